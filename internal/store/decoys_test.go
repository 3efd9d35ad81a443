package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

const (
	vaultA = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-a"
	vaultB = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-b/providers/Microsoft.KeyVault/vaults/kv-b"
)

func TestAddAndGetDecoy(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		created := time.Date(2026, 11, 20, 8, 0, 1, 123456000, time.UTC)
		d := registry.Decoy{VaultID: vaultA, Name: "Db-Password", Type: registry.Secret, CreatedBy: "alice@contoso.com", CreatedAt: created, Memo: "first"}
		if err := s.AddDecoy(ctx, &d); err != nil {
			t.Fatal(err)
		}
		if d.ID == 0 {
			t.Fatal("ID not set")
		}
		got, err := s.GetDecoy(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.VaultName != "kv-a" || got.Name != "Db-Password" || got.Type != registry.Secret ||
			got.Status != registry.Active || got.CreatedBy != "alice@contoso.com" || !got.CreatedAt.Equal(created) || got.Memo != "first" {
			t.Errorf("got %+v", got)
		}
		if _, err := s.GetDecoy(ctx, d.ID+100); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing decoy: got %v; want ErrNotFound", err)
		}
	})
}

func TestDecoyUniqueCaseInsensitive(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		add := func(vault, name string, typ registry.Type) error {
			return s.AddDecoy(ctx, &registry.Decoy{VaultID: vault, Name: name, Type: typ})
		}
		if err := add(vaultA, "api-key", registry.Secret); err != nil {
			t.Fatal(err)
		}
		if err := add(strings.ToUpper(vaultA), "API-KEY", registry.Secret); !errors.Is(err, ErrConflict) {
			t.Errorf("same decoy in other case: got %v; want ErrConflict", err)
		}
		// Same name, other type or other vault: a different object.
		if err := add(vaultA, "api-key", registry.Key); err != nil {
			t.Errorf("same name as key: %v", err)
		}
		if err := add(vaultB, "api-key", registry.Secret); err != nil {
			t.Errorf("same name in other vault: %v", err)
		}
	})
}

// Vault and Secrets Manager tell names apart by case: two decoys whose
// names differ only in case are two rows, found under their own spelling.
func TestDecoyUniqueCaseSensitiveProviders(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, store := range []string{"vault://prod/secret", "arn:aws:secretsmanager:eu-west-1:111122223333"} {
			for _, name := range []string{"apps/payments/db", "apps/payments/DB"} {
				if err := s.AddDecoy(ctx, &registry.Decoy{VaultID: store, Name: name, Type: registry.Secret}); err != nil {
					t.Fatalf("%s %s: %v", store, name, err)
				}
			}
			if err := s.AddDecoy(ctx, &registry.Decoy{VaultID: store, Name: "apps/payments/db", Type: registry.Secret}); !errors.Is(err, ErrConflict) {
				t.Errorf("%s: same decoy again: got %v; want ErrConflict", store, err)
			}
			got, err := s.ListDecoys(ctx, DecoyFilter{VaultID: store})
			if err != nil || len(got) != 2 {
				t.Fatalf("%s: ListDecoys = %+v, %v", store, got, err)
			}
			found, err := s.ListDecoys(ctx, DecoyFilter{Search: "payments/db"})
			if err != nil || len(found) < 2 {
				t.Errorf("search = %d decoys, %v; want both spellings", len(found), err)
			}
		}
		if err := s.AddDecoy(ctx, &registry.Decoy{VaultID: "vault://prod/secret", Name: "apps/db", Type: registry.Key}); err == nil {
			t.Error("a Vault key decoy was accepted")
		}
	})
}

func TestAddDecoyRejectsInvalid(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		bad := []registry.Decoy{
			{VaultID: "not-an-id", Name: "x", Type: registry.Secret},
			{VaultID: vaultA, Name: "has_underscore", Type: registry.Secret},
			{VaultID: vaultA, Name: "ok", Type: "blob"},
			{VaultID: vaultA, Name: "ok", Type: registry.Secret, Status: "gone"},
		}
		for _, d := range bad {
			if err := s.AddDecoy(ctx, &d); err == nil {
				t.Errorf("AddDecoy(%+v) succeeded", d)
			}
		}
		if n := countAll(t, s); n != 0 {
			t.Errorf("%d decoys stored after invalid input", n)
		}
	})
}

func TestImportIsIdempotentAndAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		list := []registry.Decoy{
			{VaultID: vaultA, Name: "one", Type: registry.Secret},
			{VaultID: vaultA, Name: "two", Type: registry.Key},
			{VaultID: vaultB, Name: "three", Type: registry.Certificate},
		}
		added, err := s.ImportDecoys(ctx, list)
		if err != nil || added != 3 {
			t.Fatalf("first import: added %d, err %v; want 3, nil", added, err)
		}
		list[0].Name = "ONE" // same decoy, other case
		added, err = s.ImportDecoys(ctx, list)
		if err != nil || added != 0 {
			t.Fatalf("second import: added %d, err %v; want 0, nil", added, err)
		}
		bad := append(list, registry.Decoy{VaultID: vaultA, Name: "four", Type: registry.Secret},
			registry.Decoy{VaultID: vaultA, Name: "bad name", Type: registry.Secret})
		if _, err := s.ImportDecoys(ctx, bad); err == nil {
			t.Fatal("import with an invalid decoy succeeded")
		}
		if n := countAll(t, s); n != 3 {
			t.Errorf("after failed import: %d decoys; want 3", n)
		}
	})
}

func TestListDecoysFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, err := s.ImportDecoys(ctx, []registry.Decoy{
			{VaultID: vaultA, Name: "a1", Type: registry.Secret},
			{VaultID: vaultA, Name: "a2", Type: registry.Key},
			{VaultID: vaultB, Name: "b1", Type: registry.Secret},
		})
		if err != nil {
			t.Fatal(err)
		}
		all, _ := s.ListDecoys(ctx, DecoyFilter{})
		if err := s.SetDecoyStatus(ctx, all[0].ID, registry.Retired, nil, AuditEntry{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			f    DecoyFilter
			want string
		}{
			{"all", DecoyFilter{}, "a1 a2 b1"},
			{"vault any case", DecoyFilter{VaultID: strings.ToUpper(vaultA)}, "a1 a2"},
			{"subscription", DecoyFilter{Subscriptions: []string{"22222222-2222-2222-2222-222222222222"}}, "b1"},
			{"status", DecoyFilter{Status: registry.Active}, "a2 b1"},
			{"type", DecoyFilter{Type: registry.Secret}, "a1 b1"},
			{"page", DecoyFilter{AfterID: all[0].ID, Limit: 1}, "a2"},
		}
		for _, tt := range tests {
			got, err := s.ListDecoys(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range got {
				names = append(names, d.Name)
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
			}
		}
		counts, err := s.CountDecoys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[registry.Active] != 2 || counts[registry.Retired] != 1 {
			t.Errorf("counts: %v", counts)
		}
	})
}

func TestSetDecoyStatus(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := registry.Decoy{VaultID: vaultA, Name: "x", Type: registry.Secret}
		if err := s.AddDecoy(ctx, &d); err != nil {
			t.Fatal(err)
		}
		memo := "deleted outside honeyvault"
		who := AuditEntry{Actor: "cli:alice", Action: "decoy.retire", Detail: "deleted", RemoteAddr: "10.0.0.9"}
		if err := s.SetDecoyStatus(ctx, d.ID, registry.Retired, &memo, AuditEntry{}); err == nil {
			t.Error("a status changed without saying who asked")
		}
		if err := s.SetDecoyStatus(ctx, d.ID, registry.Missing, &memo, AuditEntry{Actor: "cli:alice"}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetDecoy(ctx, d.ID)
		if got.Status != registry.Missing || got.Memo != memo {
			t.Errorf("got %+v", got)
		}
		if err := s.SetDecoyStatus(ctx, d.ID, registry.Retired, nil, who); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDecoyStatus(ctx, d.ID, "bogus", nil, who); err == nil {
			t.Error("bogus status accepted")
		}
		if err := s.SetDecoyStatus(ctx, 9999, registry.Retired, nil, who); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing id: got %v", err)
		}
		trail, _ := s.ListAudit(ctx, AuditFilter{})
		if got, want := auditActions(trail), "decoy.retire decoy.status"; got != want {
			t.Fatalf("audit trail: got %q; want %q", got, want)
		}
		want := AuditEntry{ID: trail[0].ID, Time: trail[0].Time, Actor: "cli:alice", Action: "decoy.retire", Target: fmt.Sprintf("decoy:%d", d.ID),
			Detail: `secret "x" in vault kv-a (` + vaultA + `); status missing → retired; deleted`, RemoteAddr: "10.0.0.9"}
		if trail[0] != want {
			t.Errorf("got %+v; want %+v", trail[0], want)
		}
	})
}

// A watchlist import that adds decoys is one audit row, in its
// transaction; one that adds nothing or fails is none.
func TestImportWatchlistIsAudited(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		csv := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" +
			"Microsoft.KeyVault," + vaultA + ",db-password,\"{\"\"Type\"\":\"\"secret\"\"}\"\r\n" +
			"Microsoft.KeyVault," + vaultB + ",signing,\"{\"\"Type\"\":\"\"key\"\"}\"\r\n"
		who := AuditEntry{Actor: "cli:alice"}
		if _, _, err := s.ImportWatchlist(ctx, strings.NewReader(csv), "watchlist:a.csv", AuditEntry{}); err == nil || countAll(t, s) != 0 {
			t.Fatalf("an import without saying who asked: %v, %d decoys", err, countAll(t, s))
		}
		if _, _, err := s.ImportWatchlist(ctx, strings.NewReader(csv+"Microsoft.KeyVault,nope,x,{}\r\n"), "watchlist:bad.csv", who); err == nil {
			t.Fatal("a bad watchlist was imported")
		}
		rows, added, err := s.ImportWatchlist(ctx, strings.NewReader(csv), "watchlist:a.csv", who)
		if err != nil || rows != 2 || added != 2 {
			t.Fatalf("import: %d rows, %d added, %v", rows, added, err)
		}
		if _, added, err := s.ImportWatchlist(ctx, strings.NewReader(csv), "watchlist:a.csv", who); err != nil || added != 0 {
			t.Fatalf("again: %d added, %v", added, err)
		}
		trail, _ := s.ListAudit(ctx, AuditFilter{})
		if len(trail) != 1 {
			t.Fatalf("audit trail: got %+v; want one decoy.import", trail)
		}
		if e := trail[0]; e.Action != "decoy.import" || e.Actor != "cli:alice" || e.Target != "watchlist:a.csv" || e.Detail != "2 rows, 2 new decoys" {
			t.Errorf("got %+v", e)
		}
	})
}

func countAll(t *testing.T, s *Store) int {
	t.Helper()
	all, err := s.ListDecoys(context.Background(), DecoyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}
