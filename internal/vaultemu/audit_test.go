package vaultemu_test

import (
	"context"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// pairs groups the entries after the device's first (the probe) by
// request.id, checking that each call wrote its request entry and then
// its response entry. A device enabled through the API also gets the
// response entry of the call that enabled it (its request entry was
// written before the device existed): that one is skipped.
func pairs(t *testing.T, entries []map[string]any) map[string][2]map[string]any {
	t.Helper()
	out := map[string][2]map[string]any{}
	rest := entries[1:]
	if len(rest) > 0 && rest[0]["type"] == "response" && strings.HasPrefix(get(rest[0], "request", "path").(string), "sys/audit/") {
		rest = rest[1:]
	}
	for _, e := range rest {
		id, _ := get(e, "request", "id").(string)
		if id == "" {
			t.Fatalf("entry without request.id: %v", e)
		}
		p := out[id]
		switch e["type"] {
		case "request":
			if p[0] != nil {
				t.Fatalf("two request entries for %s", id)
			}
			p[0] = e
		case "response":
			if p[0] == nil {
				t.Fatalf("response entry before its request entry: %v", e)
			}
			p[1] = e
		default:
			t.Fatalf("entry type %v", e["type"])
		}
		out[id] = p
	}
	return out
}

// byPathOp finds the one call of path and operation.
func byPathOp(t *testing.T, ps map[string][2]map[string]any, path, op string) [2]map[string]any {
	t.Helper()
	var found [][2]map[string]any
	for _, p := range ps {
		if get(p[0], "request", "path") == path && get(p[0], "request", "operation") == op {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d calls of %s %s; want 1", len(found), op, path)
	}
	if found[0][1] == nil {
		t.Fatalf("%s %s has no response entry", op, path)
	}
	return found[0]
}

func TestFileAuditEntriesFieldByField(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "vault_audit.log")
	err := root.Sys().EnableAuditWithOptions("file", &api.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": file, "prefix": "@cee: "}})
	if err != nil {
		t.Fatal(err)
	}
	hash := func(v string) string {
		t.Helper()
		h, err := root.Sys().AuditHash("file", v)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	self, err := root.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatal(err)
	}
	rootAccessor := self.Data["accessor"].(string)
	if info, found := s.LookupToken(s.RootToken()); !found || info.Accessor != rootAccessor || info.DisplayName != "root" {
		t.Errorf("LookupToken(root) = %+v, %v; want accessor %s", info, found, rootAccessor)
	}
	kv := root.KVv2("secret")
	if _, err := kv.Put(ctx, "apps/payments/db", map[string]any{"password": "s3cr3t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "apps/payments/db", map[string]any{"password": "s3cr3t2"}, api.WithCheckAndSet(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "apps/payments/db"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Patch(ctx, "apps/payments/db", map[string]any{"user": "pay"}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().List("secret/metadata/apps/payments"); err != nil {
		t.Fatal(err)
	}
	tok := readerToken(t, s)
	if _, err := client(t, s, tok.ID).KVv2("secret").Get(ctx, "apps/payments/stripe"); statusOf(err) != http.StatusForbidden {
		t.Fatalf("denied read: %v", err)
	}
	if _, err := client(t, s, "hvs.unknown").KVv2("secret").Get(ctx, "apps/orders/db"); statusOf(err) != http.StatusForbidden {
		t.Fatalf("unknown token: %v", err)
	}

	entries := readEntries(t, file, "@cee: ")
	probe := entries[0]
	if probe["type"] != "request" || get(probe, "request", "path") != "sys/audit/test" || get(probe, "request", "operation") != "update" || probe["auth"] != nil {
		t.Errorf("first entry %v; want the test probe", probe)
	}
	ps := pairs(t, entries)

	create := byPathOp(t, ps, "secret/data/apps/payments/db", "create")
	for i, e := range create {
		checks := map[string]any{
			"request.mount_point":           "secret/",
			"request.mount_type":            "kv",
			"request.namespace.id":          "root",
			"request.remote_address":        "127.0.0.1",
			"request.client_token":          hash(s.RootToken()),
			"request.client_token_accessor": hash(rootAccessor),
			"request.data.data.password":    hash("s3cr3t"),
			"auth.client_token":             hash(s.RootToken()),
			"auth.accessor":                 hash(rootAccessor),
			"auth.display_name":             "root",
			"auth.policies":                 []any{"root"},
			"auth.policy_results.allowed":   true,
		}
		for k, want := range checks {
			if got := get(e, strings.Split(k, ".")...); !reflect.DeepEqual(got, want) {
				t.Errorf("create entry %d: %s = %v; want %v", i, k, got, want)
			}
		}
		if p, _ := get(e, "request", "remote_port").(float64); p <= 0 {
			t.Errorf("create entry %d: remote_port %v", i, get(e, "request", "remote_port"))
		}
		if a, _ := get(e, "request", "mount_accessor").(string); !strings.HasPrefix(a, "kv_") {
			t.Errorf("create entry %d: mount_accessor %q", i, a)
		}
		if _, has := e["error"]; has {
			t.Errorf("create entry %d has an error: %v", i, e["error"])
		}
	}
	if create[0]["response"] != nil {
		t.Errorf("request entry carries a response: %v", create[0]["response"])
	}
	resp := create[1]
	if get(resp, "response", "data", "version") != float64(1) || get(resp, "response", "data", "destroyed") != false {
		t.Errorf("create response data %v; want version 1 and destroyed false in clear", get(resp, "response", "data"))
	}
	if ct, _ := get(resp, "response", "data", "created_time").(string); !strings.HasPrefix(ct, "hmac-sha256:") || len(ct) != len("hmac-sha256:")+64 {
		t.Errorf("created_time %q; want an HMAC", ct)
	}

	update := byPathOp(t, ps, "secret/data/apps/payments/db", "update")
	if got := get(update[0], "request", "data", "options", "cas"); got != float64(1) {
		t.Errorf("update options.cas = %v; want 1 in clear", got)
	}
	read := byPathOp(t, ps, "secret/data/apps/payments/db", "read")
	if got := get(read[1], "response", "data", "data", "password"); got != hash("s3cr3t2") {
		t.Errorf("read response password %v; want its HMAC", got)
	}
	if got := get(read[1], "response", "data", "metadata", "version"); got != float64(2) {
		t.Errorf("read response version %v; want 2", got)
	}
	patch := byPathOp(t, ps, "secret/data/apps/payments/db", "patch")
	if got := get(patch[0], "request", "data", "data", "user"); got != hash("pay") {
		t.Errorf("patch request user %v; want its HMAC", got)
	}
	list := byPathOp(t, ps, "secret/metadata/apps/payments/", "list")
	if got := get(list[1], "response", "data", "keys"); !reflect.DeepEqual(got, []any{hash("db")}) {
		t.Errorf("list keys %v; want [HMAC(db)]", got)
	}

	denied := byPathOp(t, ps, "secret/data/apps/payments/stripe", "read")
	if denied[0]["error"] != "permission denied" || denied[1]["error"] != "1 error occurred:\n\t* permission denied\n\n" {
		t.Errorf("denied errors %q / %q", denied[0]["error"], denied[1]["error"])
	}
	if got := get(denied[1], "response", "data", "error"); got != hash("permission denied") {
		t.Errorf("denied response.data.error %v; want HMAC(permission denied)", got)
	}
	for k, want := range map[string]any{
		"auth.display_name": "token-ci-runner", "auth.entity_id": tok.EntityID, "auth.policies": []any{"apps-reader", "default"},
		"auth.policy_results.allowed": false, "auth.accessor": hash(tok.Accessor), "request.client_token": hash(tok.ID),
	} {
		if got := get(denied[0], strings.Split(k, ".")...); !reflect.DeepEqual(got, want) {
			t.Errorf("denied request entry %s = %v; want %v", k, got, want)
		}
	}
	var unknown [2]map[string]any
	for _, p := range ps {
		if get(p[0], "request", "client_token") == hash("hvs.unknown") {
			unknown = p
		}
	}
	if unknown[0] == nil || !reflect.DeepEqual(unknown[0]["auth"], map[string]any{"token_type": "default"}) || unknown[0]["error"] != "permission denied" {
		t.Errorf("unknown token's request entry %v; want auth {token_type: default} and permission denied", unknown[0])
	}
	// The emulator's Go API and the endpoint agree on the HMAC.
	if h, err := s.AuditHash("file", "s3cr3t"); err != nil || h != hash("s3cr3t") {
		t.Errorf("Server.AuditHash = %q, %v; want %q", h, err, hash("s3cr3t"))
	}
}

func TestAuditDeviceAdministration(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	dir := t.TempDir()
	bad := []map[string]string{
		{}, // no file_path
		{"file_path": dir + "/a", "log_raw": "maybe"},
		{"file_path": dir + "/a", "format": "jsonx"},
		{"file_path": dir + "/a", "colour": "blue"},
		{"file_path": filepath.Join(dir, "no/such/dir/a")},
	}
	for _, o := range bad {
		err := root.Sys().EnableAuditWithOptions("f", &api.EnableAuditOptions{Type: "file", Options: o})
		if statusOf(err) != http.StatusBadRequest {
			t.Errorf("enable with %v: %v; want 400", o, err)
		}
	}
	if err := root.Sys().EnableAuditWithOptions("s", &api.EnableAuditOptions{Type: "syslog"}); statusOf(err) != http.StatusBadRequest {
		t.Errorf("syslog: %v; want 400", err)
	}
	if got, err := root.Sys().ListAudit(); err != nil || len(got) != 0 {
		t.Fatalf("devices after refused enables: %v, %v", got, err)
	}
	if err := s.EnableFileAudit("team/file", filepath.Join(dir, "a.log"), vaultemu.AuditOptions{ClearAccessor: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableFileAudit("team/file", filepath.Join(dir, "b.log"), vaultemu.AuditOptions{}); err == nil {
		t.Error("a second device at the same path was enabled")
	}
	got, err := root.Sys().ListAudit()
	if err != nil {
		t.Fatal(err)
	}
	if d := got["team/file/"]; d == nil || d.Type != "file" || d.Options["file_path"] != filepath.Join(dir, "a.log") || d.Options["hmac_accessor"] != "false" {
		t.Errorf("sys/audit = %+v", got)
	}
	if err := root.Sys().DisableAudit("team/file"); err != nil {
		t.Fatal(err)
	}
	if got, _ := root.Sys().ListAudit(); len(got) != 0 {
		t.Errorf("devices after disable: %v", got)
	}
	// The disable call itself was the last entry the device wrote.
	entries := readEntries(t, filepath.Join(dir, "a.log"), "")
	last := entries[len(entries)-1]
	if get(last, "request", "path") != "sys/audit/team/file" || get(last, "request", "operation") != "delete" || last["type"] != "request" {
		t.Errorf("last entry %v; want the disable's request entry", last)
	}
}
