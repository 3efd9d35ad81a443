package vaultemu_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// Many clients at once: every entry is one whole line, every call has its
// two entries, every write landed.
func TestConcurrentCallsWriteWholeEntries(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	file := filepath.Join(t.TempDir(), "audit.log")
	if err := s.EnableFileAudit("file", file, vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	const workers, calls = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kv := root.KVv2("secret")
			for i := range calls {
				if _, err := kv.Put(context.Background(), fmt.Sprintf("w%d/s%d", w, i), map[string]any{"v": "x"}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	entries := readEntries(t, file, "") // fails on any line that is not whole JSON
	ps := pairs(t, entries)
	if len(ps) != workers*calls {
		t.Errorf("%d calls audited; want %d", len(ps), workers*calls)
	}
	for id, p := range ps {
		if p[1] == nil || get(p[0], "request", "operation") != "create" {
			t.Errorf("call %s: %v", id, p)
		}
	}
	if got := len(s.Paths("secret")); got != workers*calls {
		t.Errorf("%d secrets stored; want %d", got, workers*calls)
	}
}

func TestForwardedForClientIDAndListPaging(t *testing.T) {
	s, root := start(t, vaultemu.Options{TrustForwardedFor: true})
	if err := s.Seed("secret", vaultemu.SecretSeed{Path: "apps/a", Versions: []map[string]string{{"v": "1"}}},
		vaultemu.SecretSeed{Path: "apps/b", Versions: []map[string]string{{"v": "1"}}},
		vaultemu.SecretSeed{Path: "apps/c/d", Versions: []map[string]string{{"v": "1"}}}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "audit.log")
	if err := s.EnableFileAudit("file", file, vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateToken(vaultemu.TokenOptions{Policies: []string{"root"}, EntityID: "e-1"})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, s, tok.ID)
	c.AddHeader("X-Forwarded-For", "203.0.113.9, 10.0.0.1")
	l, err := c.Logical().ListWithContext(context.Background(), "secret/metadata/apps")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Data["keys"]; !reflect.DeepEqual(got, []any{"a", "b", "c/"}) {
		t.Errorf("keys %v", got)
	}
	resp, err := root.Logical().ReadRawWithData("secret/metadata/apps", map[string][]string{"list": {"true"}, "after": {"a"}, "limit": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Data struct{ Keys []string } `json:"data"`
	}
	if err := resp.DecodeJSON(&page); err != nil || !reflect.DeepEqual(page.Data.Keys, []string{"b"}) {
		t.Errorf("after a, limit 1: %v, %v; want [b]", page.Data.Keys, err)
	}
	resp.Body.Close()
	if resp, err := root.Logical().ReadRawWithData("secret/metadata/apps", map[string][]string{"list": {"true"}, "limit": {"x"}}); statusOf(err) != http.StatusBadRequest {
		t.Errorf("bad limit: %v; want 400", err)
		if resp != nil {
			resp.Body.Close()
		}
	}
	ps := pairs(t, readEntries(t, file, ""))
	var found bool
	for _, p := range ps {
		if get(p[0], "request", "client_id") == "e-1" {
			found = true
			if got := get(p[0], "request", "remote_address"); got != "203.0.113.9" {
				t.Errorf("remote_address %v; want the first X-Forwarded-For address", got)
			}
		}
	}
	if !found {
		t.Error("no entry with the token's entity as client_id")
	}
}
