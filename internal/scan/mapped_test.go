package scan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestScanMappedIsRead: a file scanned mapped in memory gives exactly what
// the same bytes read from a stream give — alerts and malformed records
// at the same positions, the same counts — for every layout, blocks cut
// small so that lines cross them, a byte-order mark, a line too long.
func TestScanMappedIsRead(t *testing.T) {
	defer func(n int) { maxLineSize = n }(maxLineSize)
	maxLineSize = 4000
	inputs := map[string][]byte{
		"corpus.json":     corpus(5, 3000),
		"bom.json":        append([]byte("\ufeff"), corpus(6, 200)...),
		"long.json":       []byte(record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c1") + "\n{\"pad\":\"" + strings.Repeat("y", 9000) + "\"}\n" + record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c2")),
		"no-newline.json": []byte(record(vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", "c3")),
	}
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			inputs[filepath.Base(f)] = b
		}
	}
	dir := t.TempDir()
	for name, content := range inputs {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			scanWith := func(open func(s *Scanner) (Stats, error)) (*recorder, Stats, string) {
				r := &recorder{}
				s := r.scanner(nil)
				s.BlockSize = 1000
				st, err := open(s)
				msg := ""
				if err != nil {
					msg = strings.ReplaceAll(err.Error(), path, name)
				}
				return r, st, msg
			}
			mr, mst, merr := scanWith(func(s *Scanner) (Stats, error) { return s.ScanFile(context.Background(), path) })
			rr, rst, rerr := scanWith(func(s *Scanner) (Stats, error) {
				return s.Scan(context.Background(), bytes.NewReader(content), path)
			})
			// Parsed depends on when a worker first sees a Key Vault record
			// (see validity), in either path.
			mst.Parsed, rst.Parsed = 0, 0
			if mst != rst || merr != rerr {
				t.Errorf("mapped: %+v %q\nread:   %+v %q", mst, merr, rst, rerr)
			}
			for i := range max(len(mr.alerts), len(rr.alerts)) {
				if i >= len(mr.alerts) || i >= len(rr.alerts) || mr.alerts[i] != rr.alerts[i] {
					t.Fatalf("alert %d: mapped %q, read %q", i, at(mr.alerts, i), at(rr.alerts, i))
				}
			}
			if !reflect.DeepEqual(mr.bad, rr.bad) {
				t.Errorf("malformed: mapped %q, read %q", mr.bad, rr.bad)
			}
		})
	}
}

// TestScanMappedFileShrank: a mapped file cut short while it is read (a
// log rotated by copytruncate) ends its scan with an error, not the
// program with a SIGBUS.
func TestScanMappedFileShrank(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.json")
	if err := os.WriteFile(path, corpus(7, 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, unmap, ok := mapFile(f)
	if !ok {
		t.Skip("files are not mapped on this system")
	}
	defer unmap()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	s := r.scanner(nil)
	s.BlockSize = 1000
	_, done, err := s.scanMapped(context.Background(), data, path)
	if !done || !errors.Is(err, errShrank) {
		t.Errorf("scanMapped of a truncated file: done %v, err %v; want errShrank", done, err)
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "none"
}
