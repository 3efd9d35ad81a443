package auditlog

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func rec(i int) string {
	return fmt.Sprintf(`{"time":"2026-11-20T08:00:%02dZ","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","operationName":"SecretGet","correlationId":"c%d","properties":{"requestUri":"https://kv1.vault.azure.net/secrets/s%d/"}}`, i%60, i, i)
}

// outcome lists what a decoder yields: "ok c<i>@line" or "bad@line: msg".
func outcome(d *Decoder) []string {
	var out []string
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return out
		}
		var re *RecordError
		if errors.As(err, &re) {
			s := fmt.Sprintf("bad@%d: %v", re.Pos.Line, re.Err)
			if re.Rest {
				s += " (rest)"
			}
			out = append(out, s)
			continue
		}
		if err != nil {
			return append(out, "error: "+err.Error())
		}
		out = append(out, fmt.Sprintf("ok %s@%d", ev.CorrelationID, ev.Source.Line))
	}
}

func TestDecoderRecovery(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"JSON lines", rec(1) + "\n" + rec(2) + "\n", []string{"ok c1@1", "ok c2@2"}},
		{"no final newline, CRLF, blank lines", rec(1) + "\r\n\r\n\n" + rec(2), []string{"ok c1@1", "ok c2@4"}},
		{"cut-off line", rec(1) + "\n" + rec(2)[:50] + "\n" + rec(3) + "\n", []string{"ok c1@1", "bad@2: line ends inside a record", "ok c3@3"}},
		{"cut-off first line", rec(1)[:50] + "\n" + rec(2) + "\n", []string{"bad@1: line ends inside a record", "ok c2@2"}},
		{"cut-off last line", rec(1) + "\n" + rec(2)[:50], []string{"ok c1@1", "bad@2: input ends inside a record"}},
		{"junk line", rec(1) + "\nhello\n" + rec(3) + "\n", []string{"ok c1@1", "bad@2: unexpected 'h' outside a JSON value", "ok c3@3"}},
		{"not a record", `{"a":1}` + "\n" + rec(2) + "\n", []string{"bad@1: no time", "ok c2@2"}},
		{"mismatched brackets on a line", `{"a":[1}` + "\n" + rec(2) + "\n", []string{"bad@1: '[' closed by '}'", "ok c2@2"}},
		{"records per line", `{"records":[` + rec(1) + `,` + rec(2) + `]}` + "\n" + `{"records":[` + rec(3) + `]}`, []string{"ok c1@1", "ok c2@1", "ok c3@2"}},
		{"cut-off records line", `{"records":[` + rec(1) + `,` + rec(2)[:40] + "\n" + `{"records":[` + rec(3) + `]}`, []string{"ok c1@1", "bad@1: line ends inside a record", "ok c3@2"}},
		{"members around records", `{"id":"x","records":[` + rec(1) + `],"more":{"a":[1,2]}}` + "\n" + rec(2), []string{"ok c1@1", "ok c2@2"}},
		{"two records arrays", `{"records":[` + rec(1) + `],"Records":[` + rec(2) + `]}`, []string{"ok c1@1", "ok c2@1"}},
		{"empty records", `{"records":[]}` + "\n" + rec(2), []string{"ok c2@2"}},
		{"scalar elements", `[1,"x",` + rec(1) + `,null]`, []string{"bad@1: not a JSON object", "bad@1: not a JSON object", "ok c1@1", "bad@1: not a JSON object"}},
		{"pretty document", "{\n  \"records\": [\n    " + rec(1) + ",\n    " + rec(2) + "\n  ]\n}\n", []string{"ok c1@3", "ok c2@4"}},
		{"pretty array", "[\n" + rec(1) + ",\n" + rec(2) + "\n]", []string{"ok c1@2", "ok c2@3"}},
		{"compact array over lines", "[" + rec(1) + ",\n" + rec(2) + "]", []string{"ok c1@1", "ok c2@2"}},
		{"pretty document, bad record", "[\n" + rec(1) + ",\n{\"a\": tru},\n" + rec(3) + "\n]", []string{"ok c1@2", "bad@3: invalid JSON: invalid character '}' in literal true (expecting 'e')", "ok c3@4"}},
		// Broken structure loses the rest of the value, up to the next line
		// that starts one.
		{"pretty document, broken structure", "[\n" + rec(1) + ",\n{\"a\": [},\n" + rec(3) + "\n]", []string{"ok c1@2", "bad@3: '[' closed by '}' (rest)", "ok c3@4", "bad@5: unexpected ']' outside a JSON value"}},
		{"pretty document, broken structure, then JSON lines", "{\"records\": [\n  " + rec(1) + ",\n  {\"a\": [},\n  " + rec(3) + "\n]}\n" + rec(4) + "\n",
			[]string{"ok c1@2", "bad@3: '[' closed by '}' (rest)", "ok c4@6"}},
		{"pretty document, cut-off string, then a document", "{\"records\": [\n  {\"time\": \"2026-11\n  }]}\n{\"records\": [\n" + rec(2) + "\n]}\n",
			[]string{"bad@2: line ends inside a string (rest)", "ok c2@5"}},
		// The layout is decided per value (concatenated Event Hubs captures
		// switch between them).
		{"JSON lines, then pretty documents, then JSON lines", rec(1) + "\n" + prettyRecords(2, 3) + rec(4) + "\n" + prettyRecords(5) + prettyRecords(6) + rec(7) + "\n",
			[]string{"ok c1@1", "ok c2@4", "ok c3@13", "ok c4@24", "ok c5@27", "ok c6@40", "ok c7@51"}},
		{"pretty records, then a one-line document, then an array over lines", prettyRecords(1) + `{"records":[` + rec(2) + "]}\n[\n" + rec(3) + ",\n" + rec(4) + "\n]\n",
			[]string{"ok c1@3", "ok c2@14", "ok c3@16", "ok c4@17"}},
		{"records over lines after a JSON line", rec(1) + "\n" + `{"records":[` + "\n" + rec(2) + ",\n" + rec(3) + "]}\n",
			[]string{"ok c1@1", "ok c2@3", "ok c3@4"}},
		{"cut-off line before pretty records", rec(1)[:60] + "\n" + prettyRecords(2),
			[]string{"bad@1: line ends inside a record", "ok c2@4"}},
		{"two values on a JSON line", rec(1) + " " + rec(2) + "\n" + rec(3) + "\n", []string{"ok c1@1", "ok c2@1", "ok c3@2"}},
		{"pretty document cut off", "{\n \"records\": [\n" + rec(1) + ",\n" + rec(2)[:30], []string{"ok c1@3", "bad@4: input ends inside a record"}},
		{"byte-order mark", "\xef\xbb\xbf" + rec(1) + "\n", []string{"ok c1@1"}},
		{"empty", "", nil},
		{"nothing", "\x00", []string{"bad@1: unexpected '\\x00' outside a JSON value"}},
		{"blank", "\n \n", nil},
		{"stray closer", "]\n" + rec(2), []string{"bad@1: unexpected ']' outside a JSON value", "ok c2@2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outcome(NewDecoder(strings.NewReader(tt.in), "f"))
			if g, w := strings.Join(got, "\n"), strings.Join(tt.want, "\n"); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
			// The same bytes read one at a time, or from memory, give the same.
			slow := outcome(NewDecoder(iotest.OneByteReader(strings.NewReader(tt.in)), "f"))
			if g, w := strings.Join(slow, "\n"), strings.Join(got, "\n"); g != w {
				t.Errorf("one byte at a time:\n%s\nwant\n%s", g, w)
			}
			mem := outcome(NewDecoderBytes([]byte(tt.in), Position{File: "f"}))
			if g, w := strings.Join(mem, "\n"), strings.Join(got, "\n"); g != w {
				t.Errorf("from memory:\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// prettyRecords renders records as a pretty-printed {"records":[...]}
// document, each record indented over several lines, as json.MarshalIndent
// writes it.
func prettyRecords(ids ...int) string {
	var recs []json.RawMessage
	for _, i := range ids {
		recs = append(recs, json.RawMessage(rec(i)))
	}
	b, err := json.MarshalIndent(map[string]any{"records": recs}, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

func TestDecoderForcedJSONLines(t *testing.T) {
	// Alone, a cut-off line looks like the start of a pretty-printed
	// document; a caller that split lines itself says what it is.
	d := NewDecoderBytes([]byte(rec(1)[:40]+"\n"), Position{})
	d.JSONLines = true
	if got, want := strings.Join(outcome(d), ","), "bad@1: line ends inside a record"; got != want {
		t.Errorf("got %s; want %s", got, want)
	}
}

func TestDecoderNilBody(t *testing.T) {
	if got := outcome(NewDecoderBytes(nil, Position{})); len(got) != 0 {
		t.Errorf("got %q", got)
	}
}

func TestDecoderPositions(t *testing.T) {
	in := rec(1) + "\n\n" + `{"records":[` + rec(2) + `, ` + rec(3) + "]}\n"
	d := NewDecoderBytes([]byte(in), Position{File: "x.json", Line: 10, Offset: 1000})
	var got []Position
	for {
		ev, err := d.Next()
		if err != nil {
			break
		}
		got = append(got, ev.Source)
	}
	r1, r2 := len(rec(1)), len(rec(2))
	want := []Position{
		{File: "x.json", Line: 10, Offset: 1000},
		{File: "x.json", Line: 12, Offset: 1000 + int64(r1) + 2 + 12},
		{File: "x.json", Line: 12, Offset: 1000 + int64(r1) + 2 + 12 + int64(r2) + 2},
	}
	if g, w := fmt.Sprint(got), fmt.Sprint(want); g != w {
		t.Errorf("got %s; want %s", g, w)
	}
	for i, p := range got {
		if p.Offset < 1000 {
			continue
		}
		if !strings.HasPrefix(in[p.Offset-1000:], `{"time"`) {
			t.Errorf("position %d does not point at a record", i)
		}
	}
}

func TestDecoderMaxRecordSize(t *testing.T) {
	big := `{"time":"2026-11-20T08:00:00Z","operationName":"SecretGet","pad":"` + strings.Repeat("x", 5000) + `"}`
	for _, in := range []string{
		rec(1) + "\n" + big + "\n" + rec(3) + "\n",
		"[\n" + rec(1) + ",\n" + big + ",\n" + rec(3) + "\n]",
		`{"records":[` + rec(1) + "," + big + "," + rec(3) + "]}",
	} {
		d := NewDecoder(strings.NewReader(in), "f")
		d.MaxRecordSize = 1000
		got := outcome(d)
		if len(got) != 3 || !strings.HasPrefix(got[0], "ok c1") || !strings.Contains(got[1], "record larger than 1000 bytes") || !strings.HasPrefix(got[2], "ok c3") {
			t.Errorf("got %q", got)
		}
	}
}

func TestDecoderBoundedMemory(t *testing.T) {
	// A 20 MB record must not be held: the decoder keeps at most
	// MaxRecordSize of it.
	huge := io.MultiReader(strings.NewReader(`{"pad":"`), io.LimitReader(repeatReader('x'), 20<<20), strings.NewReader(`"}`+"\n"+rec(2)+"\n"))
	d := NewDecoder(huge, "f")
	got := outcome(d)
	if len(got) != 2 || !strings.Contains(got[0], "record larger than") || !strings.HasPrefix(got[1], "ok c2") {
		t.Errorf("got %q", got)
	}
	if cap(d.rec) > DefaultMaxRecordSize*2 {
		t.Errorf("record buffer grew to %d bytes", cap(d.rec))
	}
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestDecoderDeepNesting(t *testing.T) {
	in := rec(1) + "\n" + strings.Repeat("[", 5000) + "\n" + rec(3) + "\n"
	got := outcome(NewDecoder(strings.NewReader(in), "f"))
	if len(got) != 3 || !strings.Contains(got[1], "nested deeper than") || !strings.HasPrefix(got[2], "ok c3") {
		t.Errorf("got %q", got)
	}
}

func TestDecoderGzip(t *testing.T) {
	var buf bytes.Buffer
	// Two gzip members, as appended archives produce.
	for _, part := range []string{rec(1) + "\n", rec(2) + "\n"} {
		zw := gzip.NewWriter(&buf)
		io.WriteString(zw, part)
		zw.Close()
	}
	got := outcome(NewDecoder(bytes.NewReader(buf.Bytes()), "f.gz"))
	if g, w := strings.Join(got, ","), "ok c1@1,ok c2@2"; g != w {
		t.Errorf("got %s; want %s", g, w)
	}
	// A truncated archive is a read error, not a malformed record.
	cut := buf.Bytes()[:buf.Len()-30]
	got = outcome(NewDecoder(bytes.NewReader(cut), "f.gz"))
	if len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "error: auditlog: reading f.gz") {
		t.Errorf("truncated gzip: got %q", got)
	}
}

func TestDecoderReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader(rec(1)+"\n"), iotest.ErrReader(errors.New("disk on fire")))
	got := outcome(NewDecoder(r, "f"))
	if g, w := strings.Join(got, ","), "ok c1@1,error: auditlog: reading f: disk on fire"; g != w {
		t.Errorf("got %s; want %s", g, w)
	}
}

func TestLooksLikeJSONLines(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{rec(1) + "\n" + rec(2), true},
		{rec(1), true},
		{"{\n  \"records\": [", false},
		{"[\n {", false},
		{`{"records": [` + "\n" + rec(1), false},
		{"[" + rec(1) + ",\n" + rec(2) + "]", false},
		{"[" + rec(1) + "]\n[" + rec(2) + "]", true},
		{rec(1)[:40] + "\n" + rec(2), true}, // a cut-off first line
		{"\xef\xbb\xbf\n\n" + rec(1) + "\n", true},
		{"hello\n", true},
		{"", true},
	}
	for _, tt := range tests {
		if got := LooksLikeJSONLines([]byte(tt.in)); got != tt.want {
			t.Errorf("LooksLikeJSONLines(%.40q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseBody(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, `{"records":[`+rec(1)+`,{"x":1}]}`)
	zw.Close()
	tests := []struct {
		name     string
		body     []byte
		wantOK   int
		wantBad  int
		wantErr  error
		wantLine int64
	}{
		{"records document", []byte(`{"records":[` + rec(1) + `,` + rec(2) + `]}`), 2, 0, nil, 0},
		{"one record", []byte(rec(1)), 1, 0, nil, 0},
		{"JSON lines", []byte(rec(1) + "\n" + rec(2) + "\n"), 2, 0, nil, 0},
		{"array", []byte("[" + rec(1) + "]"), 1, 0, nil, 0},
		{"gzip", gz.Bytes(), 1, 1, nil, 1},
		{"malformed record", []byte(rec(1) + "\n{\"a\":1}\n"), 1, 1, nil, 2},
		{"not JSON", []byte("hello"), 0, 0, ErrNotJSON, 0},
		{"empty", nil, 0, 0, ErrNotJSON, 0},
		{"whitespace", []byte(" \n"), 0, 0, ErrNotJSON, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, bad, err := ParseBody(tt.body)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v; want %v", err, tt.wantErr)
			}
			if got, want := len(events), tt.wantOK; got != want {
				t.Errorf("%d events; want %d", got, want)
			}
			if got, want := len(bad), tt.wantBad; got != want {
				t.Errorf("%d malformed; want %d", got, want)
			}
			if len(bad) > 0 && bad[0].Pos.Line != tt.wantLine {
				t.Errorf("malformed at line %d; want %d", bad[0].Pos.Line, tt.wantLine)
			}
		})
	}
}

func TestParseBodyGzipBomb(t *testing.T) {
	defer func(n int) { maxBodySize = n }(maxBodySize)
	maxBodySize = 1 << 20
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	io.Copy(zw, io.LimitReader(repeatReader(' '), int64(maxBodySize)+10))
	zw.Close()
	if gz.Len() > maxBodySize/100 {
		t.Fatalf("the bomb is %d bytes compressed", gz.Len())
	}
	if _, _, err := ParseBody(gz.Bytes()); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("err = %v; want ErrBodyTooLarge", err)
	}
	if _, _, err := ParseBody(bytes.Repeat([]byte(" "), maxBodySize+1)); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("plain body: err = %v; want ErrBodyTooLarge", err)
	}
}

func TestFixturesHaveNoSurprises(t *testing.T) {
	// Every fixture but malformed.json decodes cleanly; malformed.json has
	// exactly its four broken lines.
	files, _ := filepath.Glob("testdata/*.json*")
	for _, f := range files {
		name := filepath.Base(f)
		_, bad := decodeFile(t, name)
		want := 0
		if name == "malformed.json" {
			want = 4
		}
		if len(bad) != want {
			t.Errorf("%s: %d malformed; want %d: %v", name, len(bad), want, bad)
		}
	}
	if _, err := os.Stat("testdata/malformed.json"); err != nil {
		t.Fatal(err)
	}
}
