package source

import (
	"bytes"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

func TestDetectLayout(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Layout
	}{
		{"empty", "", LayoutUnknown},
		{"blank", " \n\r\n", LayoutUnknown},
		{"json lines", "{\"a\":1}\n{\"a\":2}\n", LayoutLines},
		{"one complete line", "{\"a\":1}\n", LayoutLines},
		{"bom then lines", "\xef\xbb\xbf{\"a\":1}\n", LayoutLines},
		{"bom then pretty printed", "\xef\xbb\xbf{\n  \"records\": [\n    {\"a\": 1}\n  ]\n}\n", LayoutDocument},
		{"blank, bom, blank, one line without end", "\n \xef\xbb\xbf\r\n{\"records\":[]}", LayoutDocument},
		{"one line without end", "{\"records\":[{\"a\":1}]}", LayoutDocument},
		{"pretty printed", "{\n  \"records\": [\n    {\"a\": 1}\n  ]\n}\n", LayoutDocument},
		{"array across lines", "[\n{\"a\":1},\n{\"a\":2}\n]\n", LayoutDocument},
		{"lines with a broken first", "{\"a\":\n{\"a\":2}\n", LayoutLines},
		{"csv export", "\xef\xbb\xbfTenantId,\"TimeGenerated [UTC]\",OperationName\n,\"11/20/2026, 8:00:01 AM\",SecretGet\n", LayoutDocument},
		{"other csv", "name,mail\nalice,alice@contoso.com\n", LayoutLines},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectLayout([]byte(tt.in)); got != tt.want {
				t.Errorf("got %d; want %d", got, tt.want)
			}
		})
	}
}

func TestCompleteLinesAndDocumentComplete(t *testing.T) {
	if got, want := string(CompleteLines([]byte("a\nb\nc"))), "a\nb\n"; got != want {
		t.Errorf("CompleteLines: got %q; want %q", got, want)
	}
	if got := CompleteLines([]byte("abc")); len(got) != 0 {
		t.Errorf("CompleteLines without a line end: got %q; want nothing", got)
	}
	for in, want := range map[string]bool{"{\"records\":[]}\n": true, "[1]": true, "{\"records\":[": false, "": false} {
		if got := DocumentComplete([]byte(in)); got != want {
			t.Errorf("DocumentComplete(%q): got %v; want %v", in, got, want)
		}
	}
}

func FuzzDecodeChunk(f *testing.F) {
	f.Add([]byte("{\"time\":\"2026-11-20T08:00:00Z\",\"operationName\":\"SecretGet\",\"category\":\"AuditEvent\"}\nnot json\n{\"a\":\n"))
	f.Add([]byte("{\n\"records\": [\n{}\n]\n}"))
	f.Add([]byte{0x1f, 0x8b, 0, 1})
	f.Add([]byte("TimeGenerated,OperationName\n\"11/20/2026, 8:00:01 AM\",\"Secret\x00Get\xff\"\n"))
	f.Fuzz(func(t *testing.T, chunk []byte) {
		layout := DetectLayout(chunk)
		complete := CompleteLines(chunk)
		if len(complete) > 0 && complete[len(complete)-1] != '\n' {
			t.Fatalf("CompleteLines(%q) = %q does not end a line", chunk, complete)
		}
		if bytes.IndexByte(chunk[len(complete):], '\n') >= 0 {
			t.Fatalf("CompleteLines(%q) left a line end behind", chunk)
		}
		if layout == LayoutUnknown && len(bytes.TrimSpace(chunk)) > 0 && !bytes.HasPrefix(bytes.TrimSpace(chunk), []byte("\xef\xbb\xbf")) {
			t.Fatalf("DetectLayout(%q) = unknown for a non-blank chunk", chunk)
		}
		events, dead, err := DecodeChunk("fuzz", chunk, auditlog.Position{File: "f", Line: 1})
		if err != nil {
			return
		}
		for _, d := range dead {
			if d.Source != "fuzz" || d.Position == "" || d.Reason == "" {
				t.Fatalf("dead letter without source, position or reason: %+v", d)
			}
		}
		_ = events
	})
}
