package detect

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

const keyedStore = "arn:aws:secretsmanager:us-east-1:111122223333"

// parserNames reports whether the parser, reading text as the scanner
// does (a decoder over the line, each record parsed), finds a decoy of ix.
func parserNames(ix *Index, text []byte) bool {
	d := auditlog.NewDecoderBytes(text, auditlog.Position{File: "t", Line: 1})
	d.JSONLines = true
	for {
		raw, _, err := d.NextRaw()
		if err == io.EOF {
			return false
		}
		if err != nil {
			continue
		}
		events, err := auditlog.AppendEvents(nil, raw)
		if err != nil {
			continue
		}
		for i := range events {
			if len(ix.Lookup(&events[i])) > 0 {
				return true
			}
		}
	}
}

// TestPrefilterKeyedFollowsTheParser: the store-name check looks only at
// the values of requestParameters and resources — in every spelling of
// those members the parser accepts, and whole when the text may hide one.
// Each case is checked against the parser first, so that a case the
// parser does not alert on cannot pass for a test of the prefilter.
func TestPrefilterKeyedFollowsTheParser(t *testing.T) {
	ix, err := NewIndex([]registry.Decoy{{VaultID: keyedStore, Name: "AppKey", Type: registry.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	p := ix.Prefilter()
	const head = `"eventVersion":"1.09","eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333"`
	tests := []struct {
		name, text string
		want       bool
	}{
		{"canonical", `{` + head + `,"requestParameters":{"secretId":"AppKey"}}`, true},
		{"member in capitals", `{` + head + `,"REQUESTPARAMETERS":{"SECRETID":"AppKey"}}`, true},
		{"blanks around the colon", "{" + head + ",\"requestParameters\" \t:\r {\"secretId\" : \"AppKey\" }}", true},
		{"resources", `{` + head + `,"requestParameters":null,"Resources" : [{"arn":"arn:aws:secretsmanager:us-east-1:111122223333:secret:AppKey-AbC123"}]}`, true},
		{"batch", `{` + head + `,"requestParameters":{"secretIdList":["x",true,"AppKey"]}}`, true},
		{"requestParameters as JSON text", `{` + head + `,"requestParameters":"{\"secretId\":\"AppKey\"}"}`, true},
		{"requestParameters as JSON text, full ARN", `{` + head + `,"requestParameters":"{\"secretId\":\"arn:aws:secretsmanager:us-east-1:111122223333:secret:AppKey-AbC123\"}"}`, true},
		{"member spelled with U+017F", "{" + head + ",\"requeſtParameters\":{\"secretId\":\"AppKey\"}}", true},
		{"member spelled with an escape", `{` + head + `,"request\u0050arameters":{"secretId":"AppKey"}}`, true},
		{"an escaped quote before the member", `{` + head + `,"errorMessage":"no \"x\" {","requestParameters":{"secretId":"AppKey"}}`, true},
		{"EventBridge detail", `{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{` + head + `,"requestParameters":{"secretId":"AppKey"}}}`, true},
		{"records wrapper", `{"Records":[{` + head + `,"requestParameters":{"secretId":"other"}},{` + head + `,"requestParameters":{"secretId":"AppKey"}}]}`, true},
		{"query answer, the row's dynamic column nested",
			`{"tables":[{"name":"PrimaryResult","columns":[{"name":"eventVersion","type":"string"},{"name":"eventTime","type":"datetime"},{"name":"eventSource","type":"string"},{"name":"eventName","type":"string"},{"name":"awsRegion","type":"string"},{"name":"recipientAccountId","type":"string"},{"name":"requestParameters","type":"dynamic"}],` +
				`"rows":[["1.09","2024-07-31T12:36:52Z","secretsmanager.amazonaws.com","GetSecretValue","us-east-1","111122223333",{"secretId":"AppKey"}]]}]}`, true},
		// Names the parser does not read a secret from: turned away.
		{"name in another member", `{` + head + `,"errorMessage":"AppKey","requestParameters":{"secretId":"other"}}`, false},
		{"name in a nested object of another member", `{` + head + `,"responseElements":{"name":"AppKey"},"requestParameters":{"secretId":"other"}}`, false},
		{"look-alike", `{` + head + `,"requestParameters":{"secretId":"AppKey2"}}`, false},
	}
	for _, tt := range tests {
		if got := parserNames(ix, []byte(tt.text)); got != tt.want {
			t.Fatalf("%s: the parser names the decoy: %v, want %v (%s)", tt.name, got, tt.want, tt.text)
		}
		if got := p.Match([]byte(tt.text)); got != tt.want {
			t.Errorf("%s: Match = %v, want %v (%s)", tt.name, got, tt.want, tt.text)
		}
	}
}

// TestPrefilterKeyedNeverMisses mutates CloudTrail records the ways a
// sender or an evasive caller may — letter case and blanks of members,
// requestParameters sent as JSON text, an EventBridge envelope, a records
// wrapper, escapes, names by ARN — and checks that whenever the parser
// reads a decoy, the prefilter passed the text.
func TestPrefilterKeyedNeverMisses(t *testing.T) {
	var decoys []registry.Decoy
	for i := range 50 {
		decoys = append(decoys, registry.Decoy{VaultID: keyedStore, Name: fmt.Sprintf("prod/app-%d/db_pass.%d", i, i), Type: registry.Secret})
	}
	ix, err := NewIndex(decoys)
	if err != nil {
		t.Fatal(err)
	}
	p := ix.Prefilter()
	rng := rand.New(rand.NewPCG(20, 21))
	hits := 0
	for range 20000 {
		text := mutatedRecord(rng, decoys[rng.IntN(len(decoys))].Name)
		if !parserNames(ix, []byte(text)) {
			continue
		}
		hits++
		if !p.Match([]byte(text)) {
			t.Fatalf("prefilter missed a decoy access:\n%s", text)
		}
	}
	if hits < 5000 {
		t.Errorf("only %d of the generated records named a decoy", hits)
	}
}

// mutatedRecord writes a CloudTrail record naming secret name (or a
// look-alike), spelled at random.
func mutatedRecord(rng *rand.Rand, name string) string {
	id := []string{name, keyedStore + ":secret:" + name, keyedStore + ":secret:" + name + "-AbC123", name + "x"}[rng.IntN(4)]
	blank := func() string { return []string{"", "", " ", "\t", "\r "}[rng.IntN(5)] }
	member := func(m string) string {
		var b strings.Builder
		for _, c := range m {
			switch rng.IntN(8) {
			case 0:
				c = c ^ 0x20
			case 1:
				if c == 's' || c == 'S' {
					c = 'ſ'
				}
			case 2:
				b.WriteString(fmt.Sprintf(`\u%04x`, c))
				continue
			}
			b.WriteRune(c)
		}
		if rng.IntN(2) == 0 {
			return `"` + m + `"` + blank() + ":" + blank() // mostly canonical
		}
		return `"` + b.String() + `"` + blank() + ":" + blank()
	}
	quoted := fmt.Sprintf("%q", id)
	var params string
	switch rng.IntN(5) {
	case 0:
		params = "{" + member("secretId") + quoted + "}"
	case 1:
		params = "{" + member("secretIdList") + "[" + blank() + `"other"` + blank() + "," + blank() + quoted + blank() + "]}"
	case 2:
		params = "{" + member("name") + quoted + "}"
	case 3:
		params = fmt.Sprintf("%q", "{"+member("secretId")+quoted+"}") // JSON text
	default:
		params = "null," + member("resources") + `[{` + member("ARN") + fmt.Sprintf("%q", keyedStore+":secret:"+name+"-AbC123") + "}]"
	}
	noise := []string{"", `"errorMessage":"said \"hi\" {[",`, `"responseElements":{"name":"x","arn":"y"},`, `"note":"` + name + `",`}[rng.IntN(4)]
	record := "{" + noise + `"eventVersion":"1.09","eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333",` +
		member("requestParameters") + params + "}"
	switch rng.IntN(4) {
	case 0:
		return `{"version":"0","detail-type":"AWS API Call via CloudTrail",` + member("detail") + record + "}"
	case 1:
		return `{"Records":[` + record + "," + blank() + record + "]}"
	}
	return record
}

// FuzzPrefilterKeyed is FuzzPrefilterStores for texts the scanner hands
// the prefilter whole — a line holding a records wrapper, an EventBridge
// event or a query answer — read as the scanner reads them: every decoy
// the parser finds in a record of the text, the prefilter passes both the
// text and the record.
func FuzzPrefilterKeyed(f *testing.F) {
	const head = `"eventVersion":"1.09","eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333"`
	for _, s := range []string{
		`{` + head + `,"requestParameters":"{\"secretId\":\"prod/db-AbC123\"}"}`,
		`{` + head + `,"REQUESTPARAMETERS" : {"SecretId":"a.b@c"}}`,
		`{` + head + `,"requestParameters":null,"resources":[{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:x-Yz12Ab"}]}`,
		`{"Records":[{` + head + `,"requestParameters":{"secretIdList":["a","b"]}}]}`,
		`{"tables":[{"name":"PrimaryResult","columns":[{"name":"eventVersion","type":"string"},{"name":"eventTime","type":"datetime"},{"name":"eventSource","type":"string"},{"name":"eventName","type":"string"},{"name":"awsRegion","type":"string"},{"name":"recipientAccountId","type":"string"},{"name":"requestParameters","type":"dynamic"}],"rows":[["1.09","2024-07-31T12:36:52Z","secretsmanager.amazonaws.com","GetSecretValue","us-east-1","111122223333",{"secretId":"App"}]]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := auditlog.NewDecoderBytes(b, auditlog.Position{File: "t", Line: 1})
		d.JSONLines = true
		for n := 0; n < 64; n++ {
			raw, _, err := d.NextRaw()
			if err == io.EOF {
				return
			}
			if err != nil {
				continue
			}
			events, err := auditlog.AppendEvents(nil, raw)
			if err != nil {
				continue
			}
			for i := range events {
				ev := &events[i]
				if p := registry.ProviderOf(ev.VaultID); p != registry.AWSSecretsManager || ev.ObjectName == "" {
					continue
				}
				names := []string{ev.ObjectName}
				if suf := arnSuffix(ev.ObjectName); suf != "" {
					names = append(names, strings.TrimSuffix(ev.ObjectName, suf))
				}
				for _, name := range names {
					ix, err := NewIndex([]registry.Decoy{{ID: 1, VaultID: ev.VaultID, Name: name, Type: registry.Secret}})
					if err != nil || len(ix.Lookup(ev)) == 0 {
						continue
					}
					p := ix.Prefilter()
					if !p.Match(b) || !p.Match(raw) {
						t.Fatalf("prefilter for %q missed %s (record %s)", name, b, raw)
					}
				}
			}
		}
	})
}

// TestPrefilterOfIsIndexPrefilter: the prefilter built from the decoys
// (for a scan to build it beside the index) lets the same records through
// as the index's own, retired decoys left out by both.
func TestPrefilterOfIsIndexPrefilter(t *testing.T) {
	decoys := []registry.Decoy{
		{VaultID: keyedStore, Name: "AppKey", Type: registry.Secret},
		{VaultID: keyedStore, Name: "Old/Key", Type: registry.Secret, Status: registry.Retired},
		{VaultID: "vault://prod/secret", Name: "apps/payments/ledger", Type: registry.Secret},
		{VaultID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", Name: "db-pass", Type: registry.Secret},
		{VaultID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", Name: "gone-key", Type: registry.Key, Status: registry.Retired},
	}
	ix, err := NewIndex(decoys)
	if err != nil {
		t.Fatal(err)
	}
	want, got := ix.Prefilter(), PrefilterOf(decoys)
	const sm = `{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"%s"}}`
	for _, record := range []string{
		fmt.Sprintf(sm, "AppKey"), fmt.Sprintf(sm, "Old/Key"), fmt.Sprintf(sm, "other"),
		`{"request":{"path":"secret/data/apps/payments/ledger"}}`, `{"request":{"path":"secret/data/apps/payments/other"}}`,
		`{"properties":{"requestUri":"https://kv-a.vault.azure.net/secrets/db-pass"}}`,
		`{"properties":{"requestUri":"https://kv-a.vault.azure.net/keys/gone-key"}}`,
	} {
		if g, w := got.Match([]byte(record)), want.Match([]byte(record)); g != w {
			t.Errorf("PrefilterOf(...).Match(%s) = %v; Index.Prefilter's %v", record, g, w)
		}
	}
	if !got.Match([]byte(fmt.Sprintf(sm, "AppKey"))) || got.Match([]byte(fmt.Sprintf(sm, "Old/Key"))) {
		t.Error("PrefilterOf: want the active decoy passed, the retired one not")
	}
}
