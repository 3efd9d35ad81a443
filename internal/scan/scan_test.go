package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
)

const (
	vaultA = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-a"
	vaultB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-b/providers/Microsoft.KeyVault/vaults/kv-b"
)

var decoys = []registry.Decoy{
	{ID: 1, VaultID: vaultA, Name: "db-password", Type: registry.Secret},
	{ID: 2, VaultID: vaultA, Name: "signing-key", Type: registry.Key},
	{ID: 3, VaultID: vaultB, Name: "web-tls", Type: registry.Certificate},
	{ID: 4, VaultID: vaultB, Name: "x", Type: registry.Secret}, // a one-letter name
}

// recorder collects what a scan reports, as comparable strings.
type recorder struct {
	alerts, bad []string
}

func (r *recorder) scanner(allow detect.AllowList) *Scanner {
	ix, err := detect.NewIndex(decoys)
	if err != nil {
		panic(err)
	}
	return &Scanner{
		Matcher:   detect.NewMatcher(ix, allow),
		Prefilter: ix.Prefilter(),
		OnAlert: func(a detect.Alert) {
			s := fmt.Sprintf("%s@%d #%d %s %s", a.Event.Source, a.Event.Source.Offset, a.Decoy.ID, a.Event.Operation, a.Event.CorrelationID)
			if a.Suppressed {
				s += " suppressed"
			}
			r.alerts = append(r.alerts, s)
		},
		OnMalformed: func(re *auditlog.RecordError) { r.bad = append(r.bad, re.Pos.String()) },
	}
}

func record(rid, op, uri, corr string) string {
	b, _ := json.Marshal(map[string]any{
		"time": "2026-11-20T08:00:00.1234567Z", "resourceId": strings.ToUpper(rid), "operationName": op,
		"category": "AuditEvent", "correlationId": corr, "callerIpAddress": "203.0.113.7",
		"identity":   map[string]any{"claim": map[string]any{"oid": "oid-" + corr, "upn": "user@contoso.com"}},
		"properties": map[string]any{"requestUri": uri, "httpStatusCode": 200, "clientInfo": "azsdk-go-azsecrets/v1.5.1"},
	})
	return string(b)
}

// corpus generates JSON lines mixing ordinary traffic, decoy accesses in
// evasive spellings, look-alikes, {"records":[...]} lines, blank lines and
// broken lines.
func corpus(seed uint64, lines int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	hosts := map[string]string{vaultA: "https://kv-a.vault.azure.net", vaultB: "https://KV-B.vault.azure.net:443"}
	var buf bytes.Buffer
	for i := 0; i < lines; i++ {
		corr := fmt.Sprintf("c%d", i)
		v := []string{vaultA, vaultB}[rng.IntN(2)]
		switch r := rng.IntN(20); {
		case r < 10:
			buf.WriteString(record(v, "SecretGet", hosts[v]+fmt.Sprintf("/secrets/app-setting-%d/?api-version=7.4", rng.IntN(100)), corr))
		case r == 10:
			buf.WriteString(record(v, "SecretGet", hosts[v]+"/secrets/db-password/", corr))
		case r == 11:
			buf.WriteString(record(v, "KeySign", hosts[v]+"/KEYS/Signing-Key/0123456789abcdef0123456789abcdef/sign", corr))
		case r == 12:
			buf.WriteString(record(v, "SecretGet", hosts[v]+"/secrets/%77eb-tls", corr)) // encoded: no literal name
		case r == 13:
			buf.WriteString(record(v, "SecretGet", hosts[v]+"/secrets/db-password-old", corr)) // look-alike
		case r == 14:
			buf.WriteString(record(v, "SecretGet", hosts[v]+"/secrets/X", corr))
		case r == 15:
			buf.WriteString(`{"records":[` + record(v, "SecretList", hosts[v]+"/secrets", corr+"a") + "," +
				record(v, "SecretBackup", hosts[v]+"/secrets/db-password/backup", corr+"b") + "]}")
		case r == 16:
			buf.WriteString(strings.ReplaceAll(record(v, "SecretGet", hosts[v]+"/secrets/web-tls", corr), "/", `\/`))
		case r == 17:
			buf.WriteString(record(v, "SecretGet", hosts[v]+"/secrets/db-password", corr)[:60]) // cut off
		case r == 18:
			buf.WriteString("  ")
		default:
			buf.WriteString(`{"not":"a record"}`)
		}
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// reference scans with the plain decoder, parsing every record: the
// behaviour the fast path must reproduce.
func reference(t *testing.T, in []byte, name string) (alerts []string, records int64) {
	t.Helper()
	r := &recorder{}
	s := r.scanner(nil)
	d := auditlog.NewDecoderBytes(in, auditlog.Position{File: name})
	for {
		ev, err := d.Next()
		if err == io.EOF {
			break
		}
		records++
		if err != nil {
			continue
		}
		for _, a := range s.Matcher.Match(&ev) {
			s.OnAlert(a)
		}
	}
	return r.alerts, records
}

func TestScanMatchesReference(t *testing.T) {
	in := corpus(1, 3000)
	want, wantRecords := reference(t, in, "f.json")
	if len(want) < 300 {
		t.Fatalf("corpus has only %d decoy accesses", len(want))
	}
	scenarios := []struct {
		name      string
		block     int
		workers   int
		prefilter bool
	}{
		{"default", 0, 0, true},
		{"tiny blocks, two workers", 700, 2, true},
		{"tiny blocks, five workers", 1500, 5, true},
		{"one worker", 4096, 1, true},
		{"no prefilter", 0, 2, false},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := &recorder{}
			s := r.scanner(nil)
			s.BlockSize, s.Workers = sc.block, sc.workers
			if !sc.prefilter {
				s.Prefilter = nil
			}
			st, err := s.Scan(context.Background(), bytes.NewReader(in), "f.json")
			if err != nil {
				t.Fatal(err)
			}
			if g, w := strings.Join(r.alerts, "\n"), strings.Join(want, "\n"); g != w {
				t.Errorf("alerts differ from the reference:\ngot %d, want %d\n%s", len(r.alerts), len(want), firstDiff(r.alerts, want))
			}
			if got, want := st.Records, wantRecords; got != want {
				t.Errorf("Records = %d; want %d", got, want)
			}
			if got, want := st.Alerts, int64(len(want)); got != want {
				t.Errorf("Alerts = %d; want %d", got, want)
			}
			if got, want := st.Bytes, int64(len(in)); got != want {
				t.Errorf("Bytes = %d; want %d", got, want)
			}
			if st.Malformed == 0 || int64(len(r.bad)) != st.Malformed {
				t.Errorf("Malformed = %d, reported %d", st.Malformed, len(r.bad))
			}
			if sc.prefilter && st.Parsed*2 > st.Records { // half the corpus is ordinary traffic
				t.Errorf("parsed %d of %d records: the prefilter lets too much through", st.Parsed, st.Records)
			}
		})
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("first difference at %d:\n got  %s\n want %s", i, got[i], want[i])
		}
	}
	return "one is a prefix of the other"
}

func TestScanPositions(t *testing.T) {
	lines := []string{
		record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/app-1", "c1"),
		"",
		record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c3"),
		record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c4")[:50],
		`{"records":[` + record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c5") + "]}",
	}
	in := strings.Join(lines, "\n") + "\n"
	r := &recorder{}
	s := r.scanner(nil)
	s.BlockSize = 300
	if _, err := s.Scan(context.Background(), strings.NewReader(in), "p.json"); err != nil {
		t.Fatal(err)
	}
	off3 := len(lines[0]) + 2
	off5 := off3 + len(lines[2]) + 1 + len(lines[3]) + 1 + len(`{"records":[`)
	want := []string{
		fmt.Sprintf("p.json:3@%d #1 SecretGet c3", off3),
		fmt.Sprintf("p.json:5@%d #1 SecretGet c5", off5),
	}
	if g, w := strings.Join(r.alerts, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
	if g, w := strings.Join(r.bad, ","), "p.json:4"; g != w {
		t.Errorf("malformed at %s; want %s", g, w)
	}
	for _, a := range want {
		var off int
		fmt.Sscanf(a[strings.Index(a, "@")+1:], "%d", &off)
		if !strings.HasPrefix(in[off:], `{"callerIpAddress"`) {
			t.Errorf("offset %d does not point at a record: %.30q", off, in[off:])
		}
	}
}

func TestScanShapes(t *testing.T) {
	// Every shape through Scan: documents take the decoder path.
	one := record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c1")
	two := record(vaultB, "SecretGet", "https://kv-b.vault.azure.net/secrets/web-tls", "c2")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, one+"\n"+two+"\n")
	zw.Close()
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"JSON lines", []byte(one + "\n" + two + "\n"), 2},
		{"gzip", gz.Bytes(), 2},
		{"pretty records document", []byte("{\n  \"records\": [\n    " + one + ",\n    " + two + "\n  ]\n}\n"), 2},
		{"array of rows", []byte("[\n" + one + ",\n" + two + "\n]"), 2},
		{"one document on one line", []byte(`{"records":[` + one + "," + two + "]}"), 2},
		{"byte-order mark", []byte("\xef\xbb\xbf" + one + "\n"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			st, err := r.scanner(nil).Scan(context.Background(), bytes.NewReader(tt.in), "f")
			if err != nil {
				t.Fatal(err)
			}
			if got := len(r.alerts); got != tt.want || st.Alerts != int64(tt.want) {
				t.Errorf("%d alerts (stats %d); want %d: %v", got, st.Alerts, tt.want, r.alerts)
			}
		})
	}
}

func TestScanFixtures(t *testing.T) {
	tests := []struct {
		file                       string
		records, malformed, alerts int64
		suppressed                 int64
		wantFirst                  string
	}{
		{"PT1H.json", 8, 1, 3, 1, "testdata/PT1H.json:2"},
		{"PT1H.json.gz", 8, 1, 3, 1, "testdata/PT1H.json.gz:2"},
		{"insights-logs-auditevent.json", 3, 0, 2, 0, "testdata/insights-logs-auditevent.json:4"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := &recorder{}
			s := r.scanner(detect.AllowList{{Identity: "planter@contoso.com"}})
			st, err := s.ScanFile(context.Background(), filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%d records, %d malformed, %d alerts, %d suppressed", st.Records, st.Malformed, st.Alerts, st.Suppressed)
			want := fmt.Sprintf("%d records, %d malformed, %d alerts, %d suppressed", tt.records, tt.malformed, tt.alerts, tt.suppressed)
			if got != want {
				t.Errorf("got %s; want %s\n%s", got, want, strings.Join(r.alerts, "\n"))
			}
			if len(r.alerts) == 0 || !strings.HasPrefix(r.alerts[0], tt.wantFirst+"@") {
				t.Errorf("first alert %v; want at %s", r.alerts, tt.wantFirst)
			}
		})
	}
}

func TestScanLongLine(t *testing.T) {
	defer func(n int) { maxLineSize = n }(maxLineSize)
	maxLineSize = 2000
	hit := record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c3")
	in := hit + "\n" + `{"pad":"` + strings.Repeat("y", 5000) + `"}` + "\n" + hit + "\n"
	r := &recorder{}
	s := r.scanner(nil)
	s.BlockSize = 512
	st, err := s.Scan(context.Background(), strings.NewReader(in), "l")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(r.bad, ","), "l:2"; got != want {
		t.Errorf("malformed %s; want %s", got, want)
	}
	if len(r.alerts) != 2 || !strings.HasPrefix(r.alerts[1], fmt.Sprintf("l:3@%d ", len(in)-len(hit)-1)) {
		t.Errorf("alerts %v", r.alerts)
	}
	if st.Records != 3 {
		t.Errorf("Records = %d; want 3", st.Records)
	}
}

func TestScanReadError(t *testing.T) {
	in := io.MultiReader(strings.NewReader(record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c1")+"\n"), iotest.ErrReader(errors.New("disk on fire")))
	r := &recorder{}
	_, err := r.scanner(nil).Scan(context.Background(), in, "e")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v; want the read error", err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, strings.Repeat(record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/a", "c1")+"\n", 100))
	zw.Close()
	_, err = r.scanner(nil).Scan(context.Background(), bytes.NewReader(gz.Bytes()[:gz.Len()/2]), "cut.gz")
	if err == nil || !strings.Contains(err.Error(), "cut.gz") {
		t.Errorf("truncated gzip: err = %v", err)
	}
	if _, err := r.scanner(nil).ScanFile(context.Background(), "testdata/no-such-file"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestScanCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &recorder{}
	s := r.scanner(nil)
	s.BlockSize = 1000
	if _, err := s.Scan(ctx, bytes.NewReader(corpus(2, 2000)), "c"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
}

func TestScanNeedsMatcher(t *testing.T) {
	if _, err := (&Scanner{}).Scan(context.Background(), strings.NewReader(""), "x"); err == nil {
		t.Error("a Scanner without a Matcher scanned")
	}
}

// FuzzScanLines checks that the parallel path, with its hand-overs to the
// decoder for what is not JSON lines, finds exactly the alerts of the
// plain decoder on any input.
func FuzzScanLines(f *testing.F) {
	f.Add(corpus(3, 20))
	f.Add([]byte(record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c1") + "\n{\"records\":[\n"))
	hit := record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c2")
	f.Add([]byte(hit + "\n{\n  \"records\": [\n" + hit + "\n  ]\n}\n" + hit + "\n[\n" + hit + "\n]\n"))
	f.Add([]byte("\"TimeGenerated [UTC]\",OperationName,requestUri_s,ResourceId\n\"11/20/2026, 8:00:01 AM\",SecretGet,https://kv-a.vault.azure.net/secrets/db-password," + vaultA + "\n"))
	f.Add([]byte(`{"tables":[{"columns":[{"name":"TimeGenerated"},{"name":"OperationName"},{"name":"RequestUri"}],"rows":[["2026-11-20T08:00:01Z","SecretGet","https://kv-a.vault.azure.net/secrets/db-password"]]}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.HasPrefix(in, []byte{0x1f, 0x8b}) {
			return
		}
		want, _ := reference(t, in, "z")
		r := &recorder{}
		s := r.scanner(nil)
		s.BlockSize, s.Workers = 64, 3
		var nr *NoRecordsError
		if _, err := s.Scan(context.Background(), bytes.NewReader(in), "z"); err != nil && !errors.As(err, &nr) {
			t.Fatal(err)
		}
		sort.Strings(want)
		got := append([]string(nil), r.alerts...)
		sort.Strings(got)
		if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
			t.Fatalf("got\n%s\nwant\n%s", g, w)
		}
	})
}

func TestScanAllKeepsInputOrder(t *testing.T) {
	var inputs []Input
	var want []string
	var wantRecords int64
	for i := range 12 {
		name := fmt.Sprintf("in%02d.json", i)
		in := corpus(uint64(10+i), 50+i*40)
		if i == 5 {
			in = append(in, []byte("broken line\n")...)
		}
		inputs = append(inputs, Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(in)), nil }})
		r := &recorder{}
		st, err := r.scanner(nil).Scan(context.Background(), bytes.NewReader(in), name)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r.alerts...)
		wantRecords += st.Records
	}
	inputs = append(inputs[:7], append([]Input{FileInput("testdata/no-such-file")}, inputs[7:]...)...)
	r := &recorder{}
	s := r.scanner(nil)
	s.Workers, s.BlockSize = 3, 512
	var inFlight, maxInFlight int
	var mu sync.Mutex
	onAlert := s.OnAlert
	s.OnAlert = func(a detect.Alert) { // the callbacks are never called concurrently
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		onAlert(a)
		mu.Lock()
		inFlight--
		mu.Unlock()
	}
	st, errs := s.ScanAll(context.Background(), inputs)
	if g, w := strings.Join(r.alerts, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("alerts out of order or different: %s", firstDiff(r.alerts, want))
	}
	if got := st.Records; got != wantRecords {
		t.Errorf("Records = %d; want %d", got, wantRecords)
	}
	if got := st.Files; got != 12 {
		t.Errorf("Files = %d; want 12", got)
	}
	for i, err := range errs {
		if (err != nil) != (i == 7) {
			t.Errorf("input %d: err = %v", i, err)
		}
	}
	if maxInFlight != 1 {
		t.Errorf("OnAlert called %d at a time", maxInFlight)
	}
	if !slices.ContainsFunc(r.bad, func(s string) bool { return strings.HasPrefix(s, "in05.json:") }) {
		t.Errorf("malformed line of in05.json not reported: %v", r.bad)
	}
}
