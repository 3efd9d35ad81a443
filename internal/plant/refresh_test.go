package plant

import (
	"fmt"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestRefreshInterval(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	secret := func(name string, age time.Duration) Object {
		return Object{Name: name, Type: registry.Secret, Updated: now.Add(-age)}
	}
	fallback := 90 * day
	tests := []struct {
		name        string
		objs        []Object
		want        time.Duration
		wantLearned bool
	}{
		{"rotated monthly: twice the median age", []Object{secret("a", 5*day), secret("b", 15*day), secret("c", 25*day)}, 30 * day, true},
		{"even count: mean of the middle two", []Object{secret("a", 4*day), secret("b", 10*day), secret("c", 20*day), secret("d", 90*day)}, 30 * day, true},
		{"too few real secrets: the fallback", []Object{secret("a", 5*day), secret("b", 15*day)}, fallback, false},
		{"decoys, heartbeats, deleted, managed and keys are not learned from", []Object{
			secret("a", 5*day), secret("b", 15*day), secret("Orders-Webhook", time.Hour), secret(registry.HeartbeatPrefix+"x", time.Hour),
			{Name: "gone", Type: registry.Secret, Updated: now.Add(-time.Hour), Deleted: true},
			{Name: "cert", Type: registry.Secret, Updated: now.Add(-time.Hour), Managed: true},
			{Name: "k", Type: registry.Key, Updated: now.Add(-time.Hour)},
		}, fallback, false},
		{"created time when no updated time", []Object{{Name: "a", Type: registry.Secret, Created: now.Add(-10 * day)}, secret("b", 10*day), secret("c", 10*day)}, 20 * day, true},
		{"hourly rotation: at least a day", []Object{secret("a", time.Hour), secret("b", time.Hour), secret("c", time.Hour)}, MinRefreshInterval, true},
		{"untouched for a decade: at most two years", []Object{secret("a", 3650*day), secret("b", 3650*day), secret("c", 3650*day)}, MaxRefreshInterval, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, learned := RefreshInterval(tt.objs, map[string]bool{"orders-webhook": true}, now, fallback)
			if got != tt.want || learned != tt.wantLearned {
				t.Errorf("got %v (learned %v); want %v (learned %v)", got, learned, tt.want, tt.wantLearned)
			}
		})
	}
}

func TestRefreshAfterSpreadsDecoys(t *testing.T) {
	interval := 40 * 24 * time.Hour
	seen := map[time.Duration]bool{}
	for i := range 200 {
		seed := fmt.Sprintf("%d/v1", i)
		got := RefreshAfter(interval, seed)
		if got < interval*3/4 || got >= interval*5/4 {
			t.Fatalf("RefreshAfter(%v, %q) = %v; want within 0.75 to 1.25 of the interval", interval, seed, got)
		}
		if again := RefreshAfter(interval, seed); again != got {
			t.Fatalf("RefreshAfter changed its answer for %q: %v then %v", seed, got, again)
		}
		seen[got.Round(24*time.Hour)] = true
	}
	if len(seen) < 10 {
		t.Errorf("200 decoys fall on %d distinct days; want them spread", len(seen))
	}
}

func TestSecretValueSpecFollowsTheName(t *testing.T) {
	inv := Inventory{VaultID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-orders-prod"}
	v, err := SecretValueSpec(inv, "Orders--ConnectionStrings--Postgres", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != KindPostgresConnection || v.Hints.App != "orders" || v.Hints.Env != "prod" {
		t.Errorf("spec %+v; want a postgres connection string for app orders in prod", v)
	}
	if _, err := SecretValueSpec(Inventory{VaultID: "nope"}, "x", nil); err == nil {
		t.Error("a bad vault id gave no error")
	}
}
