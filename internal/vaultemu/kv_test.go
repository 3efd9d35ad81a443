package vaultemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

func TestKVv2WriteReadVersionsThroughOfficialClient(t *testing.T) {
	_, c := start(t, vaultemu.Options{Mounts: []string{"kv/team-a/", "secret"}})
	ctx := context.Background()
	kv := c.KVv2("kv/team-a")

	s1, err := kv.Put(ctx, "apps/payments/db", map[string]any{"password": "one", "user": "pay"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s1.VersionMetadata.Version, 1; got != want {
		t.Errorf("first version %d; want %d", got, want)
	}
	if _, err := kv.Put(ctx, "apps/payments/db", map[string]any{"password": "two", "user": "pay"}); err != nil {
		t.Fatal(err)
	}
	got, err := kv.Get(ctx, "apps/payments/db")
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["password"] != "two" || got.VersionMetadata.Version != 2 || got.VersionMetadata.CreatedTime.IsZero() {
		t.Errorf("Get = %v %+v; want password two at version 2", got.Data, got.VersionMetadata)
	}
	v1, err := kv.GetVersion(ctx, "apps/payments/db", 1)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Data["password"] != "one" {
		t.Errorf("version 1 password %v; want one", v1.Data["password"])
	}

	// Patch merges into a new version; a null deletes a key.
	p, err := kv.Patch(ctx, "apps/payments/db", map[string]any{"password": "three", "user": nil, "host": "db1"})
	if err != nil {
		t.Fatal(err)
	}
	if p.VersionMetadata.Version != 3 {
		t.Errorf("patch made version %d; want 3", p.VersionMetadata.Version)
	}
	got, _ = kv.Get(ctx, "apps/payments/db")
	if want := map[string]any{"password": "three", "host": "db1"}; !reflect.DeepEqual(got.Data, want) {
		t.Errorf("after patch data = %v; want %v", got.Data, want)
	}

	// Check-and-set.
	if _, err := kv.Put(ctx, "apps/payments/db", map[string]any{"x": "y"}, api.WithCheckAndSet(1)); statusOf(err) != http.StatusBadRequest {
		t.Errorf("stale cas: err %v; want 400", err)
	}
	if _, err := kv.Put(ctx, "apps/payments/new", map[string]any{"x": "y"}, api.WithCheckAndSet(0)); err != nil {
		t.Errorf("cas 0 on a new path: %v", err)
	}

	// The other mount does not see this secret.
	if _, err := c.KVv2("secret").Get(ctx, "apps/payments/db"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("other mount Get: %v; want ErrSecretNotFound", err)
	}
}

func TestKVv2MetadataAndCustomMetadata(t *testing.T) {
	_, c := start(t, vaultemu.Options{Mounts: []string{"kv"}})
	ctx := context.Background()
	kv := c.KVv2("kv")
	if _, err := kv.Put(ctx, "ci/github/deploy-key", map[string]any{"private_key": "k1"}); err != nil {
		t.Fatal(err)
	}
	err := kv.PutMetadata(ctx, "ci/github/deploy-key", api.KVMetadataPutInput{
		MaxVersions: 2, DeleteVersionAfter: 3*time.Hour + 25*time.Minute + 19*time.Second,
		CustomMetadata: map[string]any{"owner": "team-ci"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"k2", "k3"} {
		if _, err := kv.Put(ctx, "ci/github/deploy-key", map[string]any{"private_key": v}); err != nil {
			t.Fatal(err)
		}
	}
	md, err := kv.GetMetadata(ctx, "ci/github/deploy-key")
	if err != nil {
		t.Fatal(err)
	}
	if md.CurrentVersion != 3 || md.MaxVersions != 2 || md.OldestVersion != 2 || len(md.Versions) != 2 {
		t.Errorf("metadata current %d max %d oldest %d versions %d; want 3 2 2 2", md.CurrentVersion, md.MaxVersions, md.OldestVersion, len(md.Versions))
	}
	if got, want := md.DeleteVersionAfter, 3*time.Hour+25*time.Minute+19*time.Second; got != want {
		t.Errorf("delete_version_after %v; want %v", got, want)
	}
	if raw, err := c.Logical().Read("kv/metadata/ci/github/deploy-key"); err != nil || raw.Data["delete_version_after"] != "3h25m19s" {
		t.Errorf("delete_version_after on the wire: %v, %v; want 3h25m19s", raw, err)
	}
	if _, err := kv.GetVersion(ctx, "ci/github/deploy-key", 1); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("trimmed version 1: %v; want not found", err)
	}
	// custom_metadata comes back on data reads.
	s, err := kv.Get(ctx, "ci/github/deploy-key")
	if err != nil {
		t.Fatal(err)
	}
	if s.CustomMetadata["owner"] != "team-ci" {
		t.Errorf("custom metadata on read %v; want owner team-ci", s.CustomMetadata)
	}
	if err := kv.PatchMetadata(ctx, "ci/github/deploy-key", api.KVMetadataPatchInput{CustomMetadata: map[string]any{"tier": "1"}}); err != nil {
		t.Fatal(err)
	}
	md, _ = kv.GetMetadata(ctx, "ci/github/deploy-key")
	if want := map[string]any{"owner": "team-ci", "tier": "1"}; !reflect.DeepEqual(md.CustomMetadata, want) {
		t.Errorf("custom metadata after patch %v; want %v", md.CustomMetadata, want)
	}

	// Bad metadata changes nothing.
	_, err = c.Logical().Write("kv/metadata/ci/github/deploy-key", map[string]any{"max_versions": 5, "custom_metadata": map[string]any{"n": 1}})
	if statusOf(err) != http.StatusBadRequest {
		t.Errorf("non-string custom metadata: %v; want 400", err)
	}
	_, err = c.Logical().Write("kv/metadata/ci/github/deploy-key", map[string]any{"max_versions": 5, "custom_metadata": map[string]any{"n": nil}})
	if statusOf(err) != http.StatusBadRequest {
		t.Errorf("null custom metadata value in a write: %v; want 400", err)
	}
	md, _ = kv.GetMetadata(ctx, "ci/github/deploy-key")
	if md.MaxVersions != 2 {
		t.Errorf("a refused write changed max_versions to %d", md.MaxVersions)
	}

	if err := kv.DeleteMetadata(ctx, "ci/github/deploy-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.GetMetadata(ctx, "ci/github/deploy-key"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("metadata after DeleteMetadata: %v; want not found", err)
	}
	if _, err := kv.Get(ctx, "ci/github/deploy-key"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("data after DeleteMetadata: %v; want not found", err)
	}
}

func TestKVv2DeleteUndeleteDestroy(t *testing.T) {
	_, c := start(t, vaultemu.Options{})
	ctx := context.Background()
	kv := c.KVv2("secret")
	for _, v := range []string{"a", "b", "c"} {
		if _, err := kv.Put(ctx, "teams/data/snowflake", map[string]any{"password": v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Delete(ctx, "teams/data/snowflake"); err != nil {
		t.Fatal(err)
	}
	// A deleted latest version: Get returns no data but its metadata,
	// with the deletion time (a 404 with a body).
	s, err := kv.Get(ctx, "teams/data/snowflake")
	if err != nil {
		t.Fatal(err)
	}
	if s.Data != nil || s.VersionMetadata.DeletionTime.IsZero() || s.VersionMetadata.Version != 3 {
		t.Errorf("deleted latest: data %v, metadata %+v; want nil data, deletion time, version 3", s.Data, s.VersionMetadata)
	}
	raw, err := c.Logical().ReadRaw("secret/data/teams/data/snowflake")
	if raw == nil {
		t.Fatalf("ReadRaw: %v", err)
	}
	if raw.StatusCode != http.StatusNotFound {
		t.Errorf("deleted version status %d; want 404", raw.StatusCode)
	}
	raw.Body.Close()

	if err := kv.DeleteVersions(ctx, "teams/data/snowflake", []int{1}); err != nil {
		t.Fatal(err)
	}
	if err := kv.Undelete(ctx, "teams/data/snowflake", []int{3}); err != nil {
		t.Fatal(err)
	}
	if s, _ := kv.Get(ctx, "teams/data/snowflake"); s == nil || s.Data["password"] != "c" {
		t.Errorf("after undelete of 3: %v; want password c", s)
	}
	if err := kv.Destroy(ctx, "teams/data/snowflake", []int{2}); err != nil {
		t.Fatal(err)
	}
	md, err := kv.GetMetadata(ctx, "teams/data/snowflake")
	if err != nil {
		t.Fatal(err)
	}
	if md.Versions["1"].DeletionTime.IsZero() || !md.Versions["2"].Destroyed || !md.Versions["3"].DeletionTime.IsZero() {
		t.Errorf("versions %+v; want 1 deleted, 2 destroyed, 3 live", md.Versions)
	}
	// Undelete cannot bring back a destroyed version.
	if err := kv.Undelete(ctx, "teams/data/snowflake", []int{2}); err != nil {
		t.Fatal(err)
	}
	if s, err := kv.GetVersion(ctx, "teams/data/snowflake", 2); err != nil || s.Data != nil || !s.VersionMetadata.Destroyed {
		t.Errorf("destroyed version 2 after undelete: %v %v; want no data, destroyed", s, err)
	}
	// No versions is bad input.
	if _, err := c.Logical().Write("secret/destroy/teams/data/snowflake", map[string]any{"versions": []int{}}); statusOf(err) != http.StatusBadRequest {
		t.Errorf("destroy with no versions: %v; want 400", err)
	}
}

func TestKVv2List(t *testing.T) {
	_, c := start(t, vaultemu.Options{Mounts: []string{"kv"}})
	ctx := context.Background()
	kv := c.KVv2("kv")
	for _, p := range []string{"apps/payments/db", "apps/payments/stripe", "apps/orders/db", "top"} {
		if _, err := kv.Put(ctx, p, map[string]any{"v": "x"}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		dir  string
		want []any
	}{
		{"kv/metadata/", []any{"apps/", "top"}},
		{"kv/metadata/apps", []any{"orders/", "payments/"}},
		{"kv/metadata/apps/payments/", []any{"db", "stripe"}},
	}
	for _, tt := range tests {
		s, err := c.Logical().List(tt.dir)
		if err != nil {
			t.Fatalf("List(%s): %v", tt.dir, err)
		}
		if got := s.Data["keys"]; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("List(%s) = %v; want %v", tt.dir, got, tt.want)
		}
	}
	// An empty folder: 404 {"errors":[]}, which the client reads as nil.
	s, err := c.Logical().List("kv/metadata/nothing/")
	if err != nil || s != nil {
		t.Errorf("List of an empty folder = %v, %v; want nil, nil", s, err)
	}
	// The LIST method answers alike.
	r := c.NewRequest("LIST", "/v1/kv/metadata/apps/")
	resp, err := c.RawRequestWithContext(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := api.ParseSecret(resp.Body)
	resp.Body.Close()
	if err != nil || !reflect.DeepEqual(sec.Data["keys"], []any{"orders/", "payments/"}) {
		t.Errorf("LIST method: %v %v", sec, err)
	}
	// OpenBao's detailed-metadata carries each key's metadata.
	r = c.NewRequest("LIST", "/v1/kv/detailed-metadata/apps/payments")
	resp, err = c.RawRequestWithContext(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	sec, err = api.ParseSecret(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	info, _ := sec.Data["key_info"].(map[string]any)
	db, _ := info["db"].(map[string]any)
	if db == nil || db["current_version"] == nil {
		t.Errorf("detailed-metadata key_info = %v; want db's metadata", info)
	}
	keys := slices.Collect(func(yield func(string) bool) {
		for k := range info {
			if !yield(k) {
				return
			}
		}
	})
	slices.Sort(keys)
	if !reflect.DeepEqual(keys, []string{"db", "stripe"}) {
		t.Errorf("key_info keys %v; want db, stripe", keys)
	}
}

// Raw list requests, with and without the folder's trailing slash, by
// both spellings of the operation.
func TestKVv2ListSpellings(t *testing.T) {
	s, _ := start(t, vaultemu.Options{})
	if err := s.Seed("secret", vaultemu.SecretSeed{Path: "a/b", Versions: []map[string]string{{"v": "1"}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		want         string
	}{
		{"GET", "/v1/secret/metadata/a/?list=true", `["b"]`},
		{"GET", "/v1/secret/metadata/a?list=true", `["b"]`},
		{"LIST", "/v1/secret/metadata/a/", `["b"]`},
		{"GET", "/v1/secret/metadata/?list=true", `["a/"]`},
		{"LIST", "/v1/secret/metadata", `["a/"]`},
		{"GET", "/v1/secret/metadata/zz/?list=true", ``},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, s.URL()+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Vault-Token", s.RootToken())
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data   struct{ Keys json.RawMessage } `json:"data"`
			Errors []string                       `json:"errors"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if tt.want == "" {
			if resp.StatusCode != http.StatusNotFound || body.Errors == nil || len(body.Errors) != 0 {
				t.Errorf("%s %s: %d %+v; want 404 {\"errors\":[]}", tt.method, tt.path, resp.StatusCode, body)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK || string(body.Data.Keys) != tt.want {
			t.Errorf("%s %s: %d %s; want %s", tt.method, tt.path, resp.StatusCode, body.Data.Keys, tt.want)
		}
	}
}

// A KV v1-shaped path on a v2 mount (`vault read secret/foo`): 404 with
// Vault's warning, which the client returns as a secret with warnings.
func TestKVv1PathOnV2Mount(t *testing.T) {
	_, c := start(t, vaultemu.Options{})
	if _, err := c.KVv2("secret").Put(context.Background(), "apps/db", map[string]any{"v": "x"}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Logical().Read("secret/apps/db")
	if err != nil {
		t.Fatal(err)
	}
	want := "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation."
	if s == nil || s.Data != nil || len(s.Warnings) != 1 || s.Warnings[0] != want {
		t.Errorf("read of a v1 path = %+v; want no data and the warning", s)
	}
	s, err = c.Logical().Write("secret/apps/db", map[string]any{"v": "y"}) // the client returns the 404 error beside the secret
	if statusOf(err) != http.StatusNotFound || s == nil || len(s.Warnings) != 1 || s.Warnings[0] != strings.Replace(want, "kv get", "kv put", 1) {
		t.Errorf("write to a v1 path = %+v, %v; want the put warning", s, err)
	}
}
