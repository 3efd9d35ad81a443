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
	layouts := map[string]bool{}
	for _, mount := range []string{"secret/", "kv/", "kv/team-a/"} {
		for _, seed := range []uint64{1, 2, 3, 42} {
			layout := vaultemu.EstateLayout(mount, seed)
			layouts[layout] = true
			checkEstate(t, mount, seed, layout, vaultemu.EstateSecrets(mount, seed))
		}
	}
	if !layouts[vaultemu.LayoutGroups] || !layouts[vaultemu.LayoutEnvs] {
		t.Errorf("layouts seen %v; want both", layouts)
	}
}

// checkEstate checks one estate keeps to its layout: three segments,
// the first a group (or an environment), the owner the second.
func checkEstate(t *testing.T, mount string, seed uint64, layout string, secrets []vaultemu.SecretSeed) {
	t.Helper()
	if len(secrets) < 8 {
		t.Errorf("%s seed %d: only %d secrets", mount, seed, len(secrets))
	}
	firsts := map[string]bool{}
	for _, s := range secrets {
		parts := strings.Split(s.Path, "/")
		if len(parts) != 3 {
			t.Errorf("%s seed %d: %q has not three segments", mount, seed, s.Path)
			continue
		}
		firsts[parts[0]] = true
		if s.CustomMetadata["owner"] != "team-"+parts[1] || len(s.Versions) == 0 {
			t.Errorf("%s seed %d: %q owner %q, %d versions", mount, seed, s.Path, s.CustomMetadata["owner"], len(s.Versions))
		}
	}
	allowed := map[string][]string{
		vaultemu.LayoutGroups: {"apps", "ci", "teams", "infra"},
		vaultemu.LayoutEnvs:   {"prod", "staging", "dev"},
	}[layout]
	for f := range firsts {
		if !slices.Contains(allowed, f) {
			t.Errorf("%s seed %d (%s): first segment %q", mount, seed, layout, f)
		}
	}
	if layout == vaultemu.LayoutGroups && !(firsts["apps"] && firsts["ci"] && firsts["teams"]) {
		t.Errorf("%s seed %d: groups %v; want apps, ci and teams", mount, seed, firsts)
	}
	if layout == vaultemu.LayoutEnvs && !(firsts["prod"] && firsts["staging"]) {
		t.Errorf("%s seed %d: environments %v; want prod and staging", mount, seed, firsts)
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
	var wantTop []any
	for _, sd := range vaultemu.EstateSecrets("kv/team-a/", 42) {
		top := strings.Split(sd.Path, "/")[0] + "/"
		if !slices.Contains(wantTop, any(top)) {
			wantTop = append(wantTop, top)
		}
	}
	slices.SortFunc(wantTop, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
	if keys := l.Data["keys"]; !reflect.DeepEqual(keys, wantTop) {
		t.Errorf("top of the estate %v; want %v", keys, wantTop)
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
