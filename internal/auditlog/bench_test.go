package auditlog

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// BenchmarkParseBody parses an Event Hubs message of 500 records, the way
// live ingestion does (records/s is what the SPEC's ingest bar counts).
func BenchmarkParseBody(b *testing.B) {
	recs := make([]string, 500)
	for i := range recs {
		recs[i] = rec(i)
	}
	body := []byte(`{"records":[` + strings.Join(recs, ",") + `]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		events, bad, err := ParseBody(body)
		if err != nil || len(bad) != 0 || len(events) != 500 {
			b.Fatal(err, bad)
		}
	}
	b.ReportMetric(float64(b.N)*500/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParseBodyLoadgen parses a body of 500 JSON lines shaped like
// bench/ingest's loadgen's, as the HTTP push receives them, and reports
// the CPU time per record (the process's, GC included), which holds on a
// loaded machine where records/s does not.
func BenchmarkParseBodyLoadgen(b *testing.B) {
	var body []byte
	for i := range 500 {
		body = append(append(body, loadgenRecord(i)...), '\n')
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		events, bad, err := ParseBody(body)
		if err != nil || len(bad) != 0 || len(events) != 500 {
			b.Fatal(err, bad)
		}
	}
	records := float64(b.N) * 500
	b.ReportMetric(float64(cpuTime(b)-cpu0)/records, "cpu-ns/record")
	b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkDecoderRaw splits a pretty-printed document into records without
// parsing them (the retro-hunt's path for documents).
func BenchmarkDecoderRaw(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("{\n  \"records\": [\n")
	for i := range 2000 {
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.WriteString("    " + rec(i))
	}
	buf.WriteString("\n  ]\n}\n")
	body := buf.Bytes()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		d := NewDecoder(bytes.NewReader(body), "")
		n := 0
		for {
			if _, _, err := d.NextRaw(); err != nil {
				break
			}
			n++
		}
		if n != 2000 {
			b.Fatal(n)
		}
	}
}

// BenchmarkCloudTrailSniff is what recognising CloudTrail by content costs
// a real Key Vault record of 1 KB (compare with BenchmarkParseRecord).
func BenchmarkCloudTrailSniff(b *testing.B) {
	raw := firstFixtureRecord(b)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if isCloudTrail(raw) {
			b.Fatal("a Key Vault record taken for CloudTrail")
		}
	}
}

// BenchmarkParseRecord parses the same record whole.
func BenchmarkParseRecord(b *testing.B) {
	raw := firstFixtureRecord(b)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParseRecord(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// firstFixtureRecord is testdata/auditevent.json's first record, a
// SecretGet as Key Vault writes it.
func firstFixtureRecord(b *testing.B) []byte {
	all, err := os.ReadFile("testdata/auditevent.json")
	if err != nil {
		b.Fatal(err)
	}
	return all[:bytes.IndexByte(all, '\n')]
}
