package vaultemu_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

func TestAuditedRequestHeaders(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	file := filepath.Join(t.TempDir(), "audit.log")
	if err := s.EnableFileAudit("file", file, vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().Write("sys/config/auditing/request-headers/User-Agent", map[string]any{"hmac": false}); err != nil {
		t.Fatal(err)
	}
	if err := s.AuditRequestHeader("X-Request-Id", true); err != nil {
		t.Fatal(err)
	}
	list, err := root.Logical().Read("sys/config/auditing/request-headers")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"user-agent": map[string]any{"hmac": false}, "x-request-id": map[string]any{"hmac": true}}; !reflect.DeepEqual(list.Data["headers"], want) {
		t.Errorf("audited headers %v; want %v", list.Data["headers"], want)
	}
	root.AddHeader("User-Agent", "honeyvault-test/1.0")
	root.AddHeader("X-Request-Id", "req-42")
	if _, err := root.KVv2("secret").Put(context.Background(), "a", map[string]any{"v": "1"}); err != nil {
		t.Fatal(err)
	}
	h, _ := s.AuditHash("file", "req-42")
	create := byPathOp(t, pairs(t, readEntries(t, file, "")), "secret/data/a", "create")
	want := map[string]any{"user-agent": []any{"honeyvault-test/1.0"}, "x-request-id": []any{h}}
	for i, e := range create {
		if got := get(e, "request", "headers"); !reflect.DeepEqual(got, want) {
			t.Errorf("entry %d headers %v; want %v", i, got, want)
		}
	}
}
