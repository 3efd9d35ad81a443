package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func testVaultID(sub, name string) string {
	return "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/" + name
}

// vaultNames lists the names of vs, with "(gone)" after those marked gone.
func vaultNames(vs []Vault) string {
	var out []string
	for _, v := range vs {
		n := v.Name
		if !v.GoneAt.IsZero() {
			n += "(gone)"
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}

// A discovery run adds vaults; a later complete listing that misses one
// marks it gone (never deleted); a failed listing leaves its
// subscription's vaults alone; a vault listed again is back with its
// first sighting kept; keys ignore case.
func TestRecordDiscoveryTracksVaultsComingAndGoing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		t1 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		t2, t3 := t1.Add(time.Hour), t1.Add(2*time.Hour)
		a1 := Vault{ID: testVaultID("s1", "KV-A"), Name: "KV-A", ResourceGroup: "rg", Location: "westeurope", RBAC: true,
			Tags: map[string]string{"env": "prod"}, SoftDelete: true, PurgeProtection: true}
		a2 := Vault{ID: testVaultID("s1", "kv-a2"), Name: "kv-a2", ResourceGroup: "rg", Location: "westeurope"}
		b1 := Vault{ID: testVaultID("s2", "kv-b"), Name: "kv-b", ResourceGroup: "rg", Location: "northeurope"}

		res, err := s.RecordDiscovery(ctx, Discovery{At: t1,
			Subscriptions: []Subscription{{ID: "s1", DisplayName: "Production"}, {ID: "s2", DisplayName: "Dev"}},
			Vaults:        []Vault{a1, a2, b1}})
		if err != nil {
			t.Fatal(err)
		}
		if res != (DiscoveryResult{New: 3, Seen: 3}) {
			t.Errorf("first run: %+v", res)
		}

		// s1 listed without kv-a2 (and kv-a spelled in lower case); s2 failed.
		a1lower := a1
		a1lower.ID = strings.ToLower(a1.ID)
		res, err = s.RecordDiscovery(ctx, Discovery{At: t2,
			Subscriptions: []Subscription{{ID: "S1", DisplayName: "Production"}, {ID: "s2", Error: "403 Forbidden"}},
			Vaults:        []Vault{a1lower}})
		if err != nil {
			t.Fatal(err)
		}
		if res != (DiscoveryResult{Gone: 1, Seen: 1}) {
			t.Errorf("second run: %+v", res)
		}
		live, err := s.ListVaults(ctx, VaultFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.ToLower(vaultNames(live)), "kv-a kv-b"; got != want {
			t.Errorf("live vaults: got %q; want %q", got, want)
		}
		all, err := s.ListVaults(ctx, VaultFilter{IncludeGone: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.ToLower(vaultNames(all)), "kv-a kv-a2(gone) kv-b"; got != want {
			t.Errorf("all vaults: got %q; want %q", got, want)
		}
		if !all[1].GoneAt.Equal(t2) {
			t.Errorf("kv-a2 gone at %v; want %v", all[1].GoneAt, t2)
		}
		if !all[2].LastSeen.Equal(t1) || all[2].SubscriptionName != "Dev" {
			t.Errorf("kv-b, whose subscription failed, changed: %+v", all[2])
		}
		subs, err := s.ListSubscriptions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 2 || subs[1].Error != "403 Forbidden" || !subs[1].ListedAt.Equal(t1) || !subs[1].TriedAt.Equal(t2) ||
			subs[1].DisplayName != "Dev" || subs[0].Error != "" || !subs[0].ListedAt.Equal(t2) {
			t.Errorf("subscriptions: %+v", subs)
		}

		res, err = s.RecordDiscovery(ctx, Discovery{At: t3,
			Subscriptions: []Subscription{{ID: "s1"}, {ID: "s2"}}, Vaults: []Vault{a1, a2, b1}})
		if err != nil {
			t.Fatal(err)
		}
		if res != (DiscoveryResult{Back: 1, Seen: 3}) {
			t.Errorf("third run: %+v", res)
		}
		got, err := s.GetVault(ctx, strings.ToUpper(a2.ID))
		if err != nil {
			t.Fatal(err)
		}
		if !got.GoneAt.IsZero() || !got.FirstSeen.Equal(t1) || !got.LastSeen.Equal(t3) || got.SubscriptionName != "Production" {
			t.Errorf("kv-a2 back: %+v", got)
		}
		got, err = s.GetVault(ctx, a1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "KV-A" || !got.RBAC || !got.SoftDelete || !got.PurgeProtection || got.Tags["env"] != "prod" ||
			got.Location != "westeurope" || got.SubscriptionID != "s1" {
			t.Errorf("kv-a: %+v", got)
		}
		if _, err := s.GetVault(ctx, testVaultID("s1", "kv-none")); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown vault: %v; want ErrNotFound", err)
		}
	})
}

// A run that names a vault of a subscription it did not list (or listed
// with an error) is refused whole: nothing is stored.
func TestRecordDiscoveryRefusesVaultsOfUnlistedSubscriptions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for name, d := range map[string]Discovery{
			"failed":   {Subscriptions: []Subscription{{ID: "s1", Error: "boom"}}, Vaults: []Vault{{ID: testVaultID("s1", "kv-a")}}},
			"unlisted": {Subscriptions: []Subscription{{ID: "s2"}}, Vaults: []Vault{{ID: testVaultID("s1", "kv-a")}}},
			"bad id":   {Subscriptions: []Subscription{{ID: "s1"}}, Vaults: []Vault{{ID: "/subscriptions/s1/kv-a"}}},
			"no sub":   {Subscriptions: []Subscription{{ID: " "}}},
		} {
			if _, err := s.RecordDiscovery(ctx, d); err == nil {
				t.Errorf("%s: stored; want an error", name)
			}
		}
		vs, _ := s.ListVaults(ctx, VaultFilter{IncludeGone: true})
		subs, _ := s.ListSubscriptions(ctx)
		if len(vs) != 0 || len(subs) != 0 {
			t.Errorf("refused runs stored %d vaults and %d subscriptions", len(vs), len(subs))
		}
	})
}

// ListVaults narrows to an owner's scope (by subscription, vault name or
// id) and fills in the time of each vault's newest record.
func TestListVaultsScopeAndLastRecord(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.RecordDiscovery(ctx, Discovery{
			Subscriptions: []Subscription{{ID: "s1"}, {ID: "s2"}},
			Vaults: []Vault{{ID: testVaultID("s1", "KV-A"), Name: "KV-A"}, {ID: testVaultID("s1", "kv-c"), Name: "kv-c"},
				{ID: testVaultID("s2", "kv-b"), Name: "kv-b"}},
		}); err != nil {
			t.Fatal(err)
		}
		evs := []auditlog.Event{testEvent(1, "u1"), testEvent(5, "u1")} // both in kv-a
		if _, err := s.Accept(ctx, []Batch{{Source: "http", Events: evs}}, nil); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			scope *VaultScope
			want  string
		}{
			{nil, "KV-A kv-c kv-b"},
			{&VaultScope{Subscriptions: []string{"S1"}}, "KV-A kv-c"},
			{&VaultScope{Vaults: []string{"kv-a"}}, "KV-A"},
			{&VaultScope{Vaults: []string{strings.ToUpper(testVaultID("s2", "kv-b"))}}, "kv-b"},
			{&VaultScope{}, ""},
		} {
			vs, err := s.ListVaults(ctx, VaultFilter{Scope: c.scope})
			if err != nil {
				t.Fatal(err)
			}
			if got := vaultNames(vs); got != c.want {
				t.Errorf("scope %+v: got %q; want %q", c.scope, got, c.want)
			}
		}
		vs, err := s.ListVaults(ctx, VaultFilter{Subscriptions: []string{"s1"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || !vs[0].LastRecord.Equal(evs[1].Time) || !vs[1].LastRecord.IsZero() {
			t.Errorf("last records: %v, %v; want %v and none", vs[0].LastRecord, vs[1].LastRecord, evs[1].Time)
		}
	})
}

// Coverage reads decoys as counts per vault, type and status, and the
// open findings of decoys that are not retired, both narrowed by scope.
func TestDecoyCountsAndOpenFindingsByVault(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := testVaultID("s1", "KV-A"), testVaultID("s2", "kv-b")
		if _, err := s.ImportDecoys(ctx, []registry.Decoy{
			{VaultID: a, Name: "one", Type: registry.Secret, CreatedBy: "t"},
			{VaultID: a, Name: "two", Type: registry.Secret, CreatedBy: "t"},
			{VaultID: a, Name: "cmk", Type: registry.Key, CreatedBy: "t"},
			{VaultID: b, Name: "three", Type: registry.Secret, CreatedBy: "t"},
		}); err != nil {
			t.Fatal(err)
		}
		ds, _ := s.ListDecoys(ctx, DecoyFilter{})
		who := AuditEntry{Actor: "test"}
		if err := s.SetDecoyStatus(ctx, ds[1].ID, registry.Retired, nil, who); err != nil {
			t.Fatal(err)
		}
		for _, f := range []Finding{{DecoyID: ds[1].ID, VaultID: a, Kind: FindingDeleted}, {DecoyID: ds[2].ID, VaultID: a, Kind: FindingDisabled},
			{DecoyID: ds[3].ID, VaultID: b, Kind: FindingChanged}} {
			if _, err := s.AddFinding(ctx, &f, who); err != nil {
				t.Fatal(err)
			}
		}
		counts, err := s.CountDecoysByVault(ctx, VaultFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range counts {
			got = append(got, fmt.Sprintf("%s %s %s %d", c.VaultKey[len(c.VaultKey)-4:], c.Type, c.Status, c.N))
		}
		slices.Sort(got) // the counts come in no particular order
		if want := "kv-a key active 1|kv-a secret active 1|kv-a secret retired 1|kv-b secret active 1"; strings.Join(got, "|") != want {
			t.Errorf("counts: got %q; want %q", strings.Join(got, "|"), want)
		}
		open, err := s.OpenFindingsByVault(ctx, VaultFilter{Scope: &VaultScope{Vaults: []string{"kv-a"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].Type != registry.Key || open[0].Kind != FindingDisabled || open[0].VaultKey != registry.VaultKey(a) {
			t.Errorf("open findings in kv-a: %+v; want the key's only (the retired secret's does not count)", open)
		}
		counts, _ = s.CountDecoysByVault(ctx, VaultFilter{Subscriptions: []string{"S2"}})
		if len(counts) != 1 || counts[0].N != 1 {
			t.Errorf("s2's counts: %+v", counts)
		}
	})
}

// Vaults with the same tags get them decoded once by ListVaults, but each
// its own map: changing one vault's tags changes no other's.
func TestListVaultsSharedTagsAreCopies(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tags := map[string]string{"env": "prod", "team": "payments"}
		if _, err := s.RecordDiscovery(ctx, Discovery{Subscriptions: []Subscription{{ID: "s1"}},
			Vaults: []Vault{{ID: testVaultID("s1", "kv-a"), Name: "kv-a", Tags: tags}, {ID: testVaultID("s1", "kv-b"), Name: "kv-b", Tags: tags}}}); err != nil {
			t.Fatal(err)
		}
		vs, err := s.ListVaults(ctx, VaultFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0].Tags["team"] != "payments" || vs[1].Tags["team"] != "payments" {
			t.Fatalf("tags: got %+v", vs)
		}
		vs[0].Tags["team"] = "changed"
		if got := vs[1].Tags["team"]; got != "payments" {
			t.Errorf("the second vault's team: got %q; want payments", got)
		}
	})
}

// A vault read from the store answers Key() from its stored key, which is
// registry.VaultKey of its id, and follows its id when that changes.
func TestVaultKeyOfStoredVaults(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		id := testVaultID("S1", "KV-Mixed")
		if _, err := s.RecordDiscovery(ctx, Discovery{Subscriptions: []Subscription{{ID: "S1"}}, Vaults: []Vault{{ID: id, Name: "KV-Mixed"}}}); err != nil {
			t.Fatal(err)
		}
		vs, err := s.ListVaults(ctx, VaultFilter{})
		if err != nil || len(vs) != 1 {
			t.Fatalf("list: %v, %v", vs, err)
		}
		if got, want := vs[0].Key(), registry.VaultKey(id); got != want {
			t.Errorf("key: got %q; want %q", got, want)
		}
		v := vs[0]
		v.ID = testVaultID("s2", "kv-other")
		if got, want := v.Key(), registry.VaultKey(v.ID); got != want {
			t.Errorf("key after the id changed: got %q; want %q", got, want)
		}
	})
}
