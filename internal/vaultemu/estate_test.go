package vaultemu_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

func TestEstateIsDeterministicAndConsistent(t *testing.T) {
	a, b := vaultemu.EstateSecrets("kv/team-a/", 7), vaultemu.EstateSecrets("kv/team-a/", 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed and mount gave two estates")
	}
	if reflect.DeepEqual(a, vaultemu.EstateSecrets("kv/team-b/", 7)) || reflect.DeepEqual(a, vaultemu.EstateSecrets("kv/team-a/", 8)) {
		t.Error("another mount or seed gave the same estate")
	}
	for _, seed := range []uint64{1, 2, 3, 42} {
		secrets := vaultemu.EstateSecrets("secret/", seed)
		if len(secrets) < 10 {
			t.Errorf("seed %d: only %d secrets", seed, len(secrets))
		}
		var hasApp, hasCI, hasTeam bool
		for _, s := range secrets {
			parts := strings.Split(s.Path, "/")
			if len(parts) != 3 {
				t.Errorf("seed %d: %q is not {group}/{owner}/{kind}", seed, s.Path)
			}
			switch parts[0] {
			case "apps":
				hasApp = true
			case "ci":
				hasCI = true
			case "teams":
				hasTeam = true
			case "infra":
			default:
				t.Errorf("seed %d: unknown group in %q", seed, s.Path)
			}
			if s.CustomMetadata["owner"] != "team-"+parts[1] || len(s.Versions) == 0 {
				t.Errorf("seed %d: %q owner %q, %d versions", seed, s.Path, s.CustomMetadata["owner"], len(s.Versions))
			}
		}
		if !hasApp || !hasCI || !hasTeam {
			t.Errorf("seed %d: apps %v ci %v teams %v; want all", seed, hasApp, hasCI, hasTeam)
		}
	}
}

func TestSeedEstateServesThroughTheClient(t *testing.T) {
	s, c := start(t, vaultemu.Options{Mounts: []string{"kv/team-a/", "secret/"}})
	seeded, err := s.SeedEstate(42)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Paths("kv/team-a"); !reflect.DeepEqual(got, sorted(seeded["kv/team-a/"])) {
		t.Errorf("Paths = %v; want %v", got, seeded["kv/team-a/"])
	}
	l, err := c.Logical().List("kv/team-a/metadata/")
	if err != nil {
		t.Fatal(err)
	}
	if keys := l.Data["keys"].([]any); !slices.Contains(keys, any("apps/")) || !slices.Contains(keys, any("ci/")) {
		t.Errorf("top of the estate %v; want apps/ and ci/", keys)
	}
	want := vaultemu.EstateSecrets("kv/team-a/", 42)[0]
	got, err := c.KVv2("kv/team-a").Get(context.Background(), want.Path)
	if err != nil {
		t.Fatal(err)
	}
	last := want.Versions[len(want.Versions)-1]
	for k, v := range last {
		if got.Data[k] != v {
			t.Errorf("%s[%s] = %v; want %v", want.Path, k, got.Data[k], v)
		}
	}
	if got.VersionMetadata.Version != len(want.Versions) || got.CustomMetadata["owner"] != want.CustomMetadata["owner"] {
		t.Errorf("version %d owner %v; want %d %v", got.VersionMetadata.Version, got.CustomMetadata["owner"], len(want.Versions), want.CustomMetadata["owner"])
	}
	md, err := c.KVv2("kv/team-a").GetMetadata(context.Background(), want.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !md.CreatedTime.Before(md.UpdatedTime) && len(want.Versions) > 1 {
		t.Errorf("a secret with %d versions created %v updated %v; want its history spread", len(want.Versions), md.CreatedTime, md.UpdatedTime)
	}
	// Bad seeds change nothing.
	if err := s.Seed("kv/team-a", vaultemu.SecretSeed{Path: "ok/path", Versions: []map[string]string{{"a": "b"}}}, vaultemu.SecretSeed{Path: "bad//path", Versions: []map[string]string{{}}}); err == nil {
		t.Error("a seed with an invalid path succeeded")
	}
	if slices.Contains(s.Paths("kv/team-a"), "ok/path") {
		t.Error("a refused Seed call stored part of its seeds")
	}
	if err := s.Seed("nomount", vaultemu.SecretSeed{Path: "a", Versions: []map[string]string{{}}}); err == nil {
		t.Error("seeding an unknown mount succeeded")
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
