package auditlog

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func iotestOneByte(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) }

// TestExportShapes reads the Log Analytics exports of the JSON row
// fixtures — the portal's CSV export and the query API's answer — and
// checks that each yields the very events of the rows it was made from.
func TestExportShapes(t *testing.T) {
	tests := []struct {
		file, from string
		lines      []int64
	}{
		// A byte-order mark, CRLF, a quoted field with a comma, quotes and
		// a newline (row 2 starts on line 4), a missing column as "".
		{"azurediagnostics.csv", "azurediagnostics.json", []int64{2, 4}},
		// Identity, a dynamic column, as JSON text in doubled quotes.
		{"azkvauditlogs.csv", "azkvauditlogs.json", []int64{2, 3}},
		// One line, as the API sends it; numbers as numbers.
		{"query-api-azurediagnostics.json", "azurediagnostics.json", []int64{1, 1}},
		// Pretty-printed; Identity as JSON text in one row, nested in the other.
		{"query-api-azkvauditlogs.json", "azkvauditlogs.json", []int64{88, 110}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			want, _ := decodeFile(t, tt.from)
			got, bad := decodeFile(t, tt.file)
			for _, b := range bad {
				t.Errorf("unexpected malformed record: %v", b)
			}
			if len(got) != len(want) {
				t.Fatalf("%d events; want %d", len(got), len(want))
			}
			for i := range got {
				if g, w := withoutSource(got[i]), withoutSource(want[i]); g != w {
					t.Errorf("event %d:\ngot  %s\nwant %s", i, g, w)
				}
				if got[i].Source.Line != tt.lines[i] {
					t.Errorf("event %d at line %d; want %d", i, got[i].Source.Line, tt.lines[i])
				}
			}
		})
	}
}

// withoutSource is summary without the position, with the time cut to the
// millisecond (all the portal's CSV export keeps).
func withoutSource(ev Event) string {
	ev.Source = Position{}
	ev.Time = ev.Time.Truncate(time.Millisecond)
	return summary(ev) + " client=" + ev.Caller.ClientInfo
}

func TestQueryAnswers(t *testing.T) {
	const cols = `"columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"OperationName","type":"string"},{"name":"RequestUri","type":"string"},{"name":"Identity","type":"dynamic"}]`
	row := func(i int) string {
		return fmt.Sprintf(`["2026-11-20T08:00:%02dZ","SecretGet","https://kv1.vault.azure.net/secrets/s%d","{\"claim\":{\"oid\":\"o%d\"}}"]`, i, i, i)
	}
	tests := []struct {
		name, in string
		want     []string
	}{
		{"one table", `{"tables":[{"name":"PrimaryResult",` + cols + `,"rows":[` + row(1) + `,` + row(2) + `]}]}`,
			[]string{"ok s1 o1", "ok s2 o2"}},
		{"two tables, other members", `{"statistics":{"query":{}},"tables":[{` + cols + `,"rows":[` + row(1) + `]},{"name":"x",` + cols + `,"rows":[],"more":[1]},{` + cols + `,"rows":[` + row(3) + `]}],"render":{}}`,
			[]string{"ok s1 o1", "ok s3 o3"}},
		{"nested dynamic and nulls", `{"tables":[{` + cols + `,"rows":[["2026-11-20T08:00:04Z","SecretGet",null,{"claim":{"oid":"o4"}}]]}]}`,
			[]string{"ok  o4"}}, // a null column is a missing one
		{"row of the wrong length", `{"tables":[{` + cols + `,"rows":[["2026-11-20T08:00:04Z"],` + row(2) + `]}]}`,
			[]string{"bad: query answer: row of 1 values in a table of 4 columns", "ok s2 o2"}},
		{"rows before columns", `{"tables":[{"rows":[` + row(1) + `],` + cols + `}]}`,
			[]string{"bad: query answer: row before its table's columns: its values have no names"}},
		{"bad columns", `{"tables":[{"columns":[1,2],"rows":[` + row(1) + `]}]}`,
			[]string{"bad: query answer: columns: json: cannot unmarshal number into Go value of type struct { Name string \"json:\\\"name\\\"\"; ColumnName string \"json:\\\"ColumnName\\\"\" }", "bad: query answer: row of a table whose columns could not be read"}},
		{"a table that is not an object", `{"tables":[1,{` + cols + `,"rows":[` + row(1) + `]}]}`,
			[]string{"bad: query answer: a table that is not a JSON object", "ok s1 o1"}},
		{"row not an array", `{"tables":[{` + cols + `,"rows":[{"a":1},` + row(2) + `]}]}`,
			[]string{"bad: query answer: row: json: cannot unmarshal object into Go value of type []json.RawMessage", "ok s2 o2"}},
		{"answers as JSON lines", `{"tables":[{` + cols + `,"rows":[` + row(1) + "]}]}\n" + `{"tables":[{` + cols + `,"rows":[` + row(2) + "]}]}\n",
			[]string{"ok s1 o1", "ok s2 o2"}},
		{"an empty answer", `{"tables":[]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			d := NewDecoderBytes([]byte(tt.in), Position{})
			for {
				ev, err := d.Next()
				if err == io.EOF {
					break
				}
				var re *RecordError
				if errors.As(err, &re) {
					got = append(got, "bad: "+re.Err.Error())
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, "ok "+ev.ObjectName+" "+ev.Caller.ObjectID)
			}
			if g, w := strings.Join(got, "\n"), strings.Join(tt.want, "\n"); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestCSVExports(t *testing.T) {
	const header = `"TimeGenerated [UTC]",OperationName,requestUri_s,identity_claim_oid_g,CallerIPAddress` + "\n"
	row := func(i int) string {
		return fmt.Sprintf(`"11/20/2026, 8:00:%02d.000 AM",SecretGet,https://kv1.vault.azure.net/secrets/s%d,o%d,203.0.113.%d`+"\n", i, i, i, i)
	}
	tests := []struct {
		name, in string
		want     []string
	}{
		{"rows", header + row(1) + row(2), []string{"ok s1 o1 @2", "ok s2 o2 @3"}},
		{"local time column, CRLF, blank line", strings.ReplaceAll(`"TimeGenerated [Local Time]",OperationName,requestUri_s,identity_claim_oid_g,CallerIPAddress`+"\n"+row(1)+"\n"+row(2), "\n", "\r\n"),
			[]string{"ok s1 o1 @2", "ok s2 o2 @4"}},
		{"quoted fields over lines", header + `"11/20/2026, 8:00:01 AM","SecretGet","https://kv1.vault.azure.net/secrets/s1","o1","a` + "\n" + `""b"""` + "\n" + row(2),
			[]string{"ok s1 o1 @2", "ok s2 o2 @4"}},
		{"a row of the wrong length", header + "a,b\n" + row(2), []string{"bad@2: CSV row of 2 fields under a header of 5 columns", "ok s2 o2 @3"}},
		{"a bare quote", header + `"11/20/2026, 8:00:01 AM",Secret"Get,x,y,z` + "\n" + row(2), []string{"bad@2: CSV: bare \" in non-quoted-field (column 32)", "ok s2 o2 @3"}},
		{"a quoted field never closed", header + row(1) + `"11/20/2026, 8:00:02 AM","SecretGet` + "\n" + row(3), []string{"ok s1 o1 @2", "bad@3: CSV: extraneous or missing \" in quoted-field (column 1)"}},
		{"concatenated exports", header + row(1) + "\xef\xbb\xbf" + `"TimeGenerated [UTC]",requestUri_s,OperationName,identity_claim_oid_g,CallerIPAddress` + "\n" +
			`"11/20/2026, 8:00:02 AM",https://kv1.vault.azure.net/secrets/s2,SecretGet,o2,x` + "\n", []string{"ok s1 o1 @2", "ok s2 o2 @4"}},
		{"after JSON lines", rec(7) + "\n" + header + row(1), []string{"ok s7  @1", "ok s1 o1 @3"}},
		{"a header without rows", header, nil},
		{"not an export: no TimeGenerated", "OperationName,requestUri_s\nSecretGet,x\n",
			[]string{"bad@1: unexpected 'O' outside a JSON value", "bad@2: unexpected 'S' outside a JSON value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := csvOutcome(t, NewDecoderBytes([]byte(tt.in), Position{}))
			if g, w := strings.Join(got, "\n"), strings.Join(tt.want, "\n"); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
			// From a stream, gzip or not, one byte at a time: the same.
			slow := csvOutcome(t, NewDecoder(iotestOneByte(tt.in), "f"))
			if g, w := strings.Join(slow, "\n"), strings.Join(got, "\n"); g != w {
				t.Errorf("one byte at a time:\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func csvOutcome(t *testing.T, d *Decoder) []string {
	var got []string
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return got
		}
		var re *RecordError
		if errors.As(err, &re) {
			got = append(got, fmt.Sprintf("bad@%d: %v", re.Pos.Line, re.Err))
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("ok %s %s @%d", ev.ObjectName, ev.Caller.ObjectID, ev.Source.Line))
	}
}

func TestCSVRowTooLarge(t *testing.T) {
	// A quote that never closes would hold the rest of the input as one
	// field: the row is reported once it passes the bound, and the CSV ends.
	in := `"TimeGenerated [UTC]",OperationName` + "\n" + `"11/20/2026, 8:00:01 AM",SecretGet` + "\n" + `"x` + strings.Repeat("y\n", 100<<10)
	d := NewDecoder(strings.NewReader(in), "f")
	d.MaxRecordSize = 1000
	got := csvOutcome(t, d)
	if g, w := strings.Join(got, "\n"), "ok   @2\nbad@3: CSV row larger than 1000 bytes (a quoted field never closed?)"; g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}
