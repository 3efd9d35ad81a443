package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
	"github.com/honeyvault/honeyvault/internal/registry"
)

var update = flag.Bool("update", false, "rewrite the export fixtures made from testdata/vaults.json")

// vaultRecords reads testdata/vaults.json: 38 AuditEvent records in four
// vaults, 29 operation types, statuses 200 to 409, both claim spellings,
// decoy accesses and look-alikes.
func vaultRecords(t *testing.T) ([]kvemu.AuditRecord, []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/vaults.json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []kvemu.AuditRecord
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var r kvemu.AuditRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs, raw
}

// hits scans in and returns its alerts as comparable strings: everything
// an analyst acts on, the time to the millisecond (all a CSV export keeps).
func hits(t *testing.T, in []byte, name string, workers, block int) ([]string, Stats, error) {
	t.Helper()
	var got []string
	ix, err := detect.NewIndex(decoys)
	if err != nil {
		t.Fatal(err)
	}
	s := &Scanner{
		Matcher: detect.NewMatcher(ix, detect.AllowList{{Identity: "planter@contoso.com"}}), Prefilter: ix.Prefilter(),
		Workers: workers, BlockSize: block,
		OnAlert: func(a detect.Alert) {
			ev := a.Event
			got = append(got, fmt.Sprintf("%s decoy#%d %s %s/%s %s status=%d oid=%s upn=%s app=%s ip=%s client=%q %s suppressed=%v",
				ev.Time.Truncate(time.Millisecond).Format(time.RFC3339Nano), a.Decoy.ID, ev.Operation, ev.ObjectType, ev.ObjectName,
				ev.CorrelationID, ev.HTTPStatus, ev.Caller.ObjectID, ev.Caller.UPN, ev.Caller.AppID, ev.Caller.IP, ev.Caller.ClientInfo,
				a.Severity, a.Suppressed))
		},
		OnMalformed: func(re *auditlog.RecordError) { t.Errorf("malformed: %v", re) },
	}
	st, err := s.Scan(context.Background(), bytes.NewReader(in), name)
	return got, st, err
}

// TestScanExports proves the retro-hunt over Log Analytics exports and a
// file that switches layouts finds exactly the hits of the raw records.
// The exports are made from the raw records by the Key Vault emulator's
// Log Analytics rows (written apart from the parser), in the layouts the
// portal and the query API write.
func TestScanExports(t *testing.T) {
	recs, raw := vaultRecords(t)
	want, _, err := hits(t, raw, "raw", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 20 {
		t.Fatalf("the raw records give only %d hits", len(want))
	}
	var diag, azkv []map[string]any
	for _, r := range recs {
		diag = append(diag, loganalytics.AzureDiagnosticsRow(r, "72f988bf-86f1-41af-91ab-2d7cd011db47"))
		azkv = append(azkv, loganalytics.AZKVAuditLogsRow(r, "72f988bf-86f1-41af-91ab-2d7cd011db47"))
	}
	layouts := map[string][]byte{
		"AzureDiagnostics CSV":               portalCSV(t, loganalytics.AzureDiagnosticsColumns, diag),
		"AZKVAuditLogs CSV":                  portalCSV(t, loganalytics.AZKVAuditLogsColumns, azkv),
		"AzureDiagnostics query answer":      queryAnswer(t, loganalytics.AzureDiagnosticsColumns, diag, false),
		"AZKVAuditLogs query answer":         queryAnswer(t, loganalytics.AZKVAuditLogsColumns, azkv, false),
		"AZKVAuditLogs answer, nested JSON":  queryAnswer(t, loganalytics.AZKVAuditLogsColumns, azkv, true),
		"pretty-printed query answer":        indent(t, queryAnswer(t, loganalytics.AZKVAuditLogsColumns, azkv, false)),
		"JSON lines and pretty documents":    mixedLayouts(t, raw),
		"gzip CSV":                           gz(t, portalCSV(t, loganalytics.AZKVAuditLogsColumns, azkv)),
		"concatenated CSV exports":           concatCSV(t, loganalytics.AzureDiagnosticsColumns, diag),
		"JSON lines, then a query answer":    append(bytes.Clone(raw[:bytes.Index(raw, []byte("\n"))+1]), queryAnswer(t, loganalytics.AzureDiagnosticsColumns, diag[1:], false)...),
		"JSON lines, then a CSV export":      append(bytes.Clone(raw[:bytes.Index(raw, []byte("\n"))+1]), portalCSV(t, loganalytics.AZKVAuditLogsColumns, azkv[1:])...),
		"Log Analytics rows as a JSON array": rowsArray(t, azkv),
	}
	// The CLI's tests scan three of these layouts from testdata.
	for file, name := range map[string]string{"vaults-AzureDiagnostics.csv": "AzureDiagnostics CSV",
		"vaults-AZKVAuditLogs-query.json": "AZKVAuditLogs query answer", "vaults-mixed.json": "JSON lines and pretty documents"} {
		path := filepath.Join("testdata", file)
		if *update {
			if err := os.WriteFile(path, layouts[name], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, layouts[name]) {
			t.Errorf("%s is not the %s made from vaults.json (err %v): run go test -run TestScanExports -update", path, name, err)
		}
	}
	for name, in := range layouts {
		for _, cfg := range []struct{ workers, block int }{{0, 0}, {2, 512}, {3, 97}} {
			t.Run(fmt.Sprintf("%s/%d workers, %d-byte blocks", name, cfg.workers, cfg.block), func(t *testing.T) {
				got, st, err := hits(t, in, name, cfg.workers, cfg.block)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
					t.Errorf("hits differ from the raw records' (%d, want %d): %s", len(got), len(want), firstDiff(got, want))
				}
				if st.Records != int64(len(recs)) {
					t.Errorf("%d records; want %d", st.Records, len(recs))
				}
			})
		}
	}
}

// portalCSV writes rows as the portal's "Export to CSV" does: a byte-order
// mark, the datetime column named with its zone, times in the portal's
// format (milliseconds), dynamic columns as JSON text, nulls as empty
// fields, CRLF line ends, RFC 4180 quoting.
func portalCSV(t *testing.T, cols []loganalytics.Column, rows []map[string]any) []byte {
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
		if c.Type == "datetime" {
			header[i] += " [UTC]"
		}
	}
	w.Write(header)
	for _, r := range rows {
		fields := make([]string, len(cols))
		for i, c := range cols {
			fields[i] = csvCell(t, c, r[c.Name])
		}
		w.Write(fields)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func csvCell(t *testing.T, c loganalytics.Column, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		if c.Type == "datetime" {
			tm, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				t.Fatal(err)
			}
			return tm.Format("1/2/2006, 3:04:05.000 PM")
		}
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// concatCSV is two exports of halves of rows, one after the other, as cat
// writes them (the second header and byte-order mark in the middle).
func concatCSV(t *testing.T, cols []loganalytics.Column, rows []map[string]any) []byte {
	half := len(rows) / 2
	return append(portalCSV(t, cols, rows[:half]), portalCSV(t, cols, rows[half:])...)
}

// queryAnswer writes rows as the query API answers: {"tables":[...]} with
// typed values and dynamic columns as JSON text, or nested when asked.
func queryAnswer(t *testing.T, cols []loganalytics.Column, rows []map[string]any, nested bool) []byte {
	vals := make([][]any, len(rows))
	for i, r := range rows {
		for _, c := range cols {
			v := r[c.Name]
			if s, ok := v.(string); ok && nested && c.Type == "dynamic" {
				v = json.RawMessage(s)
			}
			vals[i] = append(vals[i], v)
		}
	}
	b, err := json.Marshal(map[string]any{"tables": []any{map[string]any{"name": "PrimaryResult", "columns": cols, "rows": vals}}})
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func rowsArray(t *testing.T, rows []map[string]any) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, r := range rows {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		if i < len(rows)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return b.Bytes()
}

func indent(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// mixedLayouts writes the records the way concatenated Event Hubs captures
// come: runs of JSON lines, pretty-printed {"records":[...]} documents and
// one-line documents, one after the other.
func mixedLayouts(t *testing.T, raw []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	var b bytes.Buffer
	for i := 0; i < len(lines); {
		n := min(1+i%4, len(lines)-i)
		group := lines[i : i+n]
		switch (i / 4) % 3 {
		case 0:
			b.Write(bytes.Join(group, []byte("\n")))
			b.WriteString("\n")
		case 1:
			doc := []byte(`{"records":[` + string(bytes.Join(group, []byte(","))) + `]}`)
			b.Write(indent(t, doc))
			b.WriteString("\n")
		case 2:
			b.WriteString(`{"records":[` + string(bytes.Join(group, []byte(","))) + "]}\n")
		}
		i += n
	}
	return b.Bytes()
}

func gz(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestScanMixedLayoutPositions checks where hits in a mixed file are
// reported: the line and offset of each record, whichever layout holds it.
func TestScanMixedLayoutPositions(t *testing.T) {
	hit := func(corr string) string {
		return record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", corr)
	}
	pretty := string(indent(t, []byte(`{"records":[`+hit("c2")+`,`+hit("c3")+`]}`))) + "\n"
	in := hit("c1") + "\n" + pretty + hit("c4") + "\n"
	r := &recorder{}
	s := r.scanner(nil)
	s.BlockSize = 300
	if _, err := s.Scan(context.Background(), strings.NewReader(in), "m.json"); err != nil {
		t.Fatal(err)
	}
	c2 := strings.Index(in, "{\n      \"callerIpAddress\"")
	c3 := c2 + 1 + strings.Index(in[c2+1:], "{\n      \"callerIpAddress\"")
	c4 := strings.LastIndex(in, hit("c4"))
	lineOf := func(off int) int { return strings.Count(in[:off], "\n") + 1 }
	want := []string{
		"m.json:1@0 #1 SecretGet c1",
		fmt.Sprintf("m.json:%d@%d #1 SecretGet c2", lineOf(c2), c2),
		fmt.Sprintf("m.json:%d@%d #1 SecretGet c3", lineOf(c3), c3),
		fmt.Sprintf("m.json:%d@%d #1 SecretGet c4", lineOf(c4), c4),
	}
	if g, w := strings.Join(r.alerts, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

// TestScanNoRecords: a retro-hunt over the wrong file must never look
// clean. An input from which no Key Vault record could be read is an error
// that says what the input looks like.
func TestScanNoRecords(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "it is empty"},
		{"blank", "\n\n  \n", "it is empty"},
		{"a CSV file that is no export", "name,value\nx,1\ny,2\n", "it looks like a CSV file, but not a Log Analytics export of AzureDiagnostics or AZKVAuditLogs: its header (name, value) lacks the TimeGenerated and OperationName columns (3 malformed records)"},
		{"an export of another table", "\"TimeGenerated [UTC]\",OperationName,Computer\n\"11/20/2026, 8:00:01.000 AM\",Heartbeat,vm1\n", "it is a Log Analytics CSV export without Key Vault audit rows (1 record naming no Key Vault)"},
		{"a query API error", `{"error":{"code":"BadArgumentError","message":"The request had some invalid properties"}}`, "it is an error answer (BadArgumentError: The request had some invalid properties), not audit records (1 malformed record)"},
		{"a query answer without rows", `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"}],"rows":[]}]}`, "it is a query API answer without Key Vault audit rows"},
		{"JSON of something else", "{\"level\":\"info\",\"msg\":\"started\"}\n{\"level\":\"info\",\"msg\":\"stopped\"}\n", "it is JSON, but none of its records is a Key Vault audit record or an Activity-log record on a vault (2 malformed records)"},
		{"HTML", "<!DOCTYPE html>\n<html><body>Sign in</body></html>\n", "it looks like HTML or XML, not an audit log (it starts with \"<!DOCTYPE html>\") (2 malformed records)"},
		{"binary", "\x00\x01\x02garbage\xff\xfe", "it looks like binary data, not text (1 malformed record)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			_, err := r.scanner(nil).Scan(context.Background(), strings.NewReader(tt.in), "wrong.file")
			var nr *NoRecordsError
			if !errors.As(err, &nr) {
				t.Fatalf("err = %v; want a NoRecordsError", err)
			}
			if got, want := err.Error(), "scan: no Key Vault audit record found in wrong.file: "+tt.want; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	// One Key Vault record among junk is enough: the file is the right one.
	r := &recorder{}
	in := "junk\n" + record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/app", "c1") + "\n"
	if _, err := r.scanner(nil).Scan(context.Background(), strings.NewReader(in), "f"); err != nil {
		t.Errorf("err = %v", err)
	}
}

// mixedCorpus generates an input of random pieces in every layout: JSON
// lines, pretty-printed and one-line {"records":[...]} documents, arrays
// over lines, query answers, cut-off lines, junk, broken documents, and
// sometimes a CSV export to end with.
func mixedCorpus(rng *rand.Rand, pieces int) []byte {
	var b bytes.Buffer
	rec := func(i int) string {
		uris := []string{"https://kv-a.vault.azure.net/secrets/db-password/", "https://kv-a.vault.azure.net/secrets/app-1",
			"https://KV-B.vault.azure.net:443/certificates/web-tls", "https://kv-b.vault.azure.net/secrets/%77eb-tls"}
		v := []string{vaultA, vaultA, vaultB, vaultB}[i%4]
		return record(v, "SecretGet", uris[rng.IntN(len(uris))], fmt.Sprintf("c%d", i))
	}
	for i := 0; i < pieces; i++ {
		switch rng.IntN(12) {
		case 0, 1, 2:
			b.WriteString(rec(i) + "\n")
		case 3:
			doc, _ := json.MarshalIndent(map[string]any{"records": []json.RawMessage{json.RawMessage(rec(i)), json.RawMessage(rec(i + 1000))}}, "", "  ")
			b.Write(doc)
			b.WriteString("\n")
		case 4:
			b.WriteString(`{"records":[` + rec(i) + "," + rec(i+1000) + "]}\n")
		case 5:
			b.WriteString("[\n" + rec(i) + ",\n" + rec(i+1000) + "\n]\n")
		case 6:
			row := fmt.Sprintf(`["2026-11-20T08:00:01Z","SecretGet","https://kv-a.vault.azure.net/secrets/db-password","%s","q%d"]`, strings.ToLower(vaultA), i)
			ans := `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated"},{"name":"OperationName"},{"name":"RequestUri"},{"name":"_ResourceId"},{"name":"CorrelationId"}],"rows":[` + row + `]}]}`
			if rng.IntN(2) == 0 {
				var out bytes.Buffer
				json.Indent(&out, []byte(ans), "", " ")
				ans = out.String()
			}
			b.WriteString(ans + "\n")
		case 7:
			r := rec(i)
			b.WriteString(r[:rng.IntN(len(r))] + "\n")
		case 8:
			b.WriteString([]string{"junk\n", "\n", "  \n", "}\n", "]\n", ",\n"}[rng.IntN(6)])
		case 9:
			doc, _ := json.MarshalIndent(map[string]any{"records": []json.RawMessage{json.RawMessage(rec(i))}}, "", "  ")
			b.Write(doc[:rng.IntN(len(doc))])
			b.WriteString("\n")
		case 10:
			b.WriteString(rec(i) + " " + rec(i+1000) + "\n")
		case 11:
			if i == pieces-1 {
				b.WriteString(`"TimeGenerated [UTC]",OperationName,requestUri_s,ResourceId,CorrelationId` + "\r\n")
				b.WriteString(fmt.Sprintf(`"11/20/2026, 8:00:01.000 AM",SecretGet,https://kv-a.vault.azure.net/secrets/db-password,%s,"csv,%d"`+"\r\n", vaultA, i))
			}
		}
	}
	return b.Bytes()
}

// TestScanMatchesReferenceMixed checks the parallel path's hand-overs to
// the decoder on random inputs of every layout, with blocks small enough
// to cut documents: the same alerts, at the same positions, as the plain
// decoder reading everything.
func TestScanMatchesReferenceMixed(t *testing.T) {
	for seed := uint64(1); seed <= 150; seed++ {
		in := mixedCorpus(rand.New(rand.NewPCG(seed, 7)), 40)
		want, _ := reference(t, in, "x")
		for _, cfg := range []struct{ workers, block int }{{1, 64}, {3, 333}, {2, 4096}} {
			r := &recorder{}
			s := r.scanner(nil)
			s.Workers, s.BlockSize = cfg.workers, cfg.block
			var nr *NoRecordsError
			if _, err := s.Scan(context.Background(), bytes.NewReader(in), "x"); err != nil && !errors.As(err, &nr) {
				t.Fatal(err)
			}
			if g, w := strings.Join(r.alerts, "\n"), strings.Join(want, "\n"); g != w {
				t.Fatalf("seed %d, %d workers, %d-byte blocks: %s\ninput:\n%s", seed, cfg.workers, cfg.block, firstDiff(r.alerts, want), in)
			}
		}
	}
}

// BenchmarkScanLayouts scans the same records (vaults.json, repeated to
// 19,000 records) in each layout for decoys none of them names, as in a
// real retro-hunt where hits are rare: JSON lines take the parallel path
// (framing only), the others the decoder (split, and rows rendered).
func BenchmarkScanLayouts(b *testing.B) {
	t := &testing.T{}
	recs, raw := vaultRecords(t)
	const copies = 500
	var diag, azkv []map[string]any
	for range copies {
		for _, r := range recs {
			diag = append(diag, loganalytics.AzureDiagnosticsRow(r, "t"))
			azkv = append(azkv, loganalytics.AZKVAuditLogsRow(r, "t"))
		}
	}
	lines := bytes.Repeat(raw, copies)
	layouts := []struct {
		name string
		in   []byte
	}{
		{"JSON lines", lines},
		{"JSON lines and pretty documents", mixedLayouts(t, lines)},
		{"AzureDiagnostics CSV", portalCSV(t, loganalytics.AzureDiagnosticsColumns, diag)},
		{"AZKVAuditLogs query answer", queryAnswer(t, loganalytics.AZKVAuditLogsColumns, azkv, false)},
	}
	ix, err := detect.NewIndex([]registry.Decoy{{ID: 1, VaultID: vaultA, Name: "nowhere-to-be-seen", Type: registry.Secret}})
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range layouts {
		b.Run(l.name, func(b *testing.B) {
			s := &Scanner{Matcher: detect.NewMatcher(ix, nil), Prefilter: ix.Prefilter()}
			b.SetBytes(int64(len(l.in)))
			for b.Loop() {
				st, err := s.Scan(context.Background(), bytes.NewReader(l.in), l.name)
				if err != nil || st.Records != copies*int64(len(recs)) {
					b.Fatal(err, st.Records)
				}
			}
			b.ReportMetric(float64(b.N)*copies*float64(len(recs))/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// TestScanLargeValuesInSmallBlocks reads documents, CSV rows and records
// many blocks long through the decoder: it gives back the blocks it is past
// as it goes and never waits for one that cannot be read (block buffers
// are bounded), and finds every hit.
func TestScanLargeValuesInSmallBlocks(t *testing.T) {
	hit := func(i int) string {
		return record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", fmt.Sprintf("c%d", i))
	}
	var pretty bytes.Buffer
	pretty.WriteString("{\n  \"records\": [\n")
	for i := range 3000 {
		if i > 0 {
			pretty.WriteString(",\n")
		}
		pretty.Write(indent(t, []byte(hit(i))))
	}
	pretty.WriteString("\n  ]\n}\n")
	var csvIn bytes.Buffer
	csvIn.WriteString(`"TimeGenerated [UTC]",OperationName,requestUri_s,ResourceId,CorrelationId,ResultDescription` + "\n")
	for i := range 3000 {
		fmt.Fprintf(&csvIn, `"11/20/2026, 8:00:01.000 AM",SecretGet,https://kv-a.vault.azure.net/secrets/db-password,%s,c%d,"%s"`+"\n", vaultA, i, strings.Repeat("multi\nline ", i%50))
	}
	huge := `{"time":"2026-11-20T08:00:00Z","operationName":"SecretGet","pad":"` + strings.Repeat("y", 3<<20) + `"}`
	tests := []struct {
		name   string
		in     []byte
		alerts int
	}{
		{"a pretty-printed document", pretty.Bytes(), 3000},
		{"a CSV export with rows over lines", csvIn.Bytes(), 3000},
		{"a record larger than MaxRecordSize inside a document", []byte("[\n" + hit(1) + ",\n" + huge + ",\n" + hit(2) + "\n]\n" + hit(3) + "\n"), 3},
		{"a CSV row that never ends", []byte(csvIn.String()[:strings.Index(csvIn.String(), ",c1,")] + ",c1,\"\"\n" +
			`"11/20/2026, 8:00:02.000 AM",SecretGet,"x` + strings.Repeat("y\n", 2<<20)), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			s := r.scanner(nil)
			s.Workers, s.BlockSize = 2, 4096
			st, err := s.Scan(context.Background(), bytes.NewReader(tt.in), "big")
			if err != nil {
				t.Fatal(err)
			}
			if len(r.alerts) != tt.alerts || st.Alerts != int64(tt.alerts) {
				t.Errorf("%d alerts (stats %d); want %d", len(r.alerts), st.Alerts, tt.alerts)
			}
		})
	}
}
