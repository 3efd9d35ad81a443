package auditlog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/honeyvault/honeyvault/internal/bom"
)

// DescribeInput says, for people, what an input that yielded no audit
// record looks like, from its first bytes (decompressed): "it is empty",
// "it looks like a CSV file whose header has neither ...", "it is a query
// API error answer: ...". It completes messages such as "no Key Vault audit
// record found in FILE: ...".
func DescribeInput(prefix []byte) string {
	t := bom.TrimBlank(prefix)
	switch {
	case len(t) == 0:
		return "it is empty"
	case IsGzip(t):
		return "it is gzip-compressed data that does not decompress"
	case looksBinary(t):
		return "it looks like binary data, not text"
	case t[0] == '<':
		return fmt.Sprintf("it looks like HTML or XML, not an audit log (it starts with %s)", quoteStart(t))
	case t[0] == '{' || t[0] == '[':
		return describeJSON(t)
	case looksLikeCSVExport(t):
		return "it is a Log Analytics CSV export without Key Vault audit rows"
	}
	line := t
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	r := csv.NewReader(bytes.NewReader(line))
	r.LazyQuotes = true
	if fields, err := r.Read(); err == nil && len(fields) > 1 {
		for i, f := range fields {
			fields[i] = exportColumn(f)
		}
		return fmt.Sprintf("it looks like a CSV file, but not a Log Analytics export of AzureDiagnostics or AZKVAuditLogs: its header (%s) lacks the TimeGenerated and OperationName columns",
			listStart(fields, 8))
	}
	return fmt.Sprintf("it starts with %s, which is neither JSON nor a Log Analytics CSV header", quoteStart(t))
}

// describeJSON describes JSON in which no record was found.
func describeJSON(t []byte) string {
	var probe struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		Tables  []json.RawMessage `json:"tables"`
		Records []json.RawMessage `json:"records"`
		Value   json.RawMessage   `json:"value"`
	}
	if t[0] == '{' && json.Unmarshal(t, &probe) == nil { // a whole document in the prefix
		switch {
		case probe.Error != nil:
			return fmt.Sprintf("it is an error answer (%s: %s), not audit records", probe.Error.Code, probe.Error.Message)
		case probe.Tables != nil:
			return "it is a query API answer without Key Vault audit rows"
		case probe.Records != nil:
			return "it is a {\"records\":[...]} document without Key Vault audit records"
		case probe.Value != nil:
			return "it looks like a REST API list answer ({\"value\":[...]}), not audit records"
		}
	}
	return "it is JSON, but none of its records is a Key Vault audit record or an Activity-log record on a vault"
}

// looksBinary reports whether b's start is not text: a NUL, or bytes that
// are not UTF-8 (a rune cut at the end does not count).
func looksBinary(b []byte) bool {
	b = b[:min(len(b), 512)]
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 && len(b) >= utf8.UTFMax {
			return true
		}
		b = b[size:]
	}
	return false
}

func quoteStart(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	b = bytes.TrimSpace(b)
	if len(b) > 40 {
		return fmt.Sprintf("%q...", b[:40])
	}
	return fmt.Sprintf("%q", b)
}

func listStart(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(", ... %d more", len(names)-n)
}
