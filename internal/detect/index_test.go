package detect

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestIndexAddRemove(t *testing.T) {
	ix, err := NewIndex(testDecoys())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ix.Len(), 4; got != want {
		t.Fatalf("Len = %d; want %d", got, want)
	}
	ev := event(t, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
	if got := len(ix.Lookup(&ev)); got != 1 {
		t.Fatalf("%d hits; want 1", got)
	}
	// Re-adding in another case updates, does not duplicate.
	if err := ix.Add(registry.Decoy{ID: 9, VaultID: strings.ToUpper(vaultPay), Name: "DB-PASSWORD", Type: "Secret", Status: "MISSING"}); err != nil {
		t.Fatal(err)
	}
	if got := ix.Lookup(&ev); len(got) != 1 || got[0].ID != 9 || got[0].Status != registry.Missing {
		t.Errorf("after update: %+v", got)
	}
	if got, want := ix.Len(), 4; got != want {
		t.Errorf("Len = %d; want %d", got, want)
	}
	// Remove in any case.
	if got := ix.Remove(registry.Decoy{VaultID: vaultPay + "/", Name: "Db-Password", Type: registry.Secret}); got != 1 {
		t.Errorf("Remove = %d; want 1", got)
	}
	if got := ix.Lookup(&ev); got != nil {
		t.Errorf("removed decoy still found: %+v", got)
	}
	if got := ix.Remove(registry.Decoy{VaultID: vaultPay, Name: "db-password", Type: registry.Secret}); got != 0 {
		t.Errorf("second Remove = %d; want 0", got)
	}
	// Adding a retired decoy removes it.
	if err := ix.Add(registry.Decoy{VaultID: vaultHR, Name: "payroll", Type: registry.Secret, Status: registry.Retired}); err != nil {
		t.Fatal(err)
	}
	if got, want := ix.Len(), 2; got != want {
		t.Errorf("Len = %d; want %d", got, want)
	}
}

func TestIndexAddIsAllOrNothing(t *testing.T) {
	ix, _ := NewIndex(nil)
	err := ix.Add(
		registry.Decoy{VaultID: vaultPay, Name: "ok", Type: registry.Secret},
		registry.Decoy{VaultID: vaultPay, Name: "bad_name", Type: registry.Secret},
	)
	if err == nil || !strings.Contains(err.Error(), "decoy 2") {
		t.Errorf("err = %v; want one naming decoy 2", err)
	}
	if got := ix.Len(); got != 0 {
		t.Errorf("Len = %d after a failed Add; want 0", got)
	}
	for _, d := range []registry.Decoy{
		{VaultID: "/not/a/vault", Name: "x", Type: registry.Secret},
		{VaultID: vaultPay, Name: "x", Type: "password"},
		{VaultID: vaultPay, Name: "x", Type: registry.Secret, Status: "gone"},
		{VaultID: vaultPay, VaultName: "kv-other", Name: "x", Type: registry.Secret},
		{VaultID: vaultPay, Name: strings.Repeat("x", 128), Type: registry.Secret},
		{VaultID: vaultPay, Name: "", Type: registry.Secret},
		{VaultID: strings.Replace(vaultPay, "kv-pay", "kv", 1), Name: "x", Type: registry.Secret},
	} {
		if _, err := NewIndex([]registry.Decoy{d}); err == nil {
			t.Errorf("NewIndex accepted %+v", d)
		}
		if err := d.Validate(); err == nil {
			t.Errorf("the registry accepts %+v, the index does not", d)
		}
	}
}

// TestIndexAgainstMap applies random adds and removes and checks every
// lookup against a plain map — the swap-on-remove bookkeeping included.
func TestIndexAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ix, _ := NewIndex(nil)
	ref := map[string]registry.Decoy{}
	vaultIDs := []string{vaultPay, vaultHR, vaultOther}
	names := []string{"a", "b", "c", "d", "e"}
	types := registry.Types
	for step := 0; step < 5000; step++ {
		d := registry.Decoy{
			ID: int64(step), VaultID: vaultIDs[rng.IntN(3)], Name: names[rng.IntN(5)], Type: types[rng.IntN(3)],
		}
		if rng.IntN(2) == 0 {
			if err := ix.Add(d); err != nil {
				t.Fatal(err)
			}
			d.Validate()
			ref[d.Key()] = d
		} else {
			if got, want := ix.Remove(d) == 1, ref[d.Key()].Name != ""; got != want {
				t.Fatalf("step %d: Remove(%s) found = %v; want %v", step, d.Key(), got, want)
			}
			delete(ref, d.Key())
		}
		if got, want := ix.Len(), len(ref); got != want {
			t.Fatalf("step %d: Len = %d; want %d", step, got, want)
		}
	}
	for _, vid := range vaultIDs {
		vname, _ := registry.VaultNameFromID(vid)
		for _, n := range names {
			for _, typ := range types {
				ev := auditlog.Event{Kind: auditlog.KindAudit, VaultID: vid, VaultName: vname, ObjectName: n, ObjectType: typ}
				for _, d := range ix.Lookup(&ev) {
					r, ok := ref[d.Key()]
					if !ok || r.ID != d.ID {
						t.Errorf("Lookup found %s (id %d); reference has %+v", d.Key(), d.ID, r)
					}
				}
				if _, ok := ref[registry.KeyOf(vid, typ, n)]; ok && len(ix.Lookup(&ev)) == 0 {
					t.Errorf("Lookup missed %s", registry.KeyOf(vid, typ, n))
				}
			}
		}
	}
}

// TestIndexConcurrent runs lookups while decoys come and go; run with
// -race to check the locking.
func TestIndexConcurrent(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	m := NewMatcher(ix, nil)
	ev := event(t, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if got := m.Match(&ev); len(got) != 1 {
					t.Errorf("decoy not found while others change: %v", got)
					return
				}
			}
		}()
	}
	for i := range 2000 {
		d := registry.Decoy{VaultID: vaultOther, Name: fmt.Sprintf("d%d", i%50), Type: registry.Secret}
		if i%3 == 0 {
			ix.Remove(d)
		} else if err := ix.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// genDecoys makes n decoys, three per vault, in batches.
func genDecoys(from, n int) []registry.Decoy {
	out := make([]registry.Decoy, 0, n)
	for i := from; i < from+n; i++ {
		v := i / 3
		out = append(out, registry.Decoy{
			ID:      int64(i + 1),
			VaultID: fmt.Sprintf("/subscriptions/%08x-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-app-%d/providers/Microsoft.KeyVault/vaults/kv-app-%07d", v%997, v%113, v),
			Name:    fmt.Sprintf("svc-%d-connection-string-%d", i%1000, i),
			Type:    registry.Types[i%3],
		})
	}
	return out
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestIndexMemory checks the quality bar: a million decoys, matcher
// resident at most 256 MB. It reports the figure (go test -v).
func TestIndexMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds a million-decoy index (slow with -short or -race)")
	}
	const n = 1_000_000
	before := heapInUse()
	ix, _ := NewIndex(nil)
	for from := 0; from < n; from += 10_000 {
		if err := ix.Add(genDecoys(from, 10_000)...); err != nil {
			t.Fatal(err)
		}
	}
	used := heapInUse() - before
	t.Logf("index of %d decoys: %.1f MB resident (%.0f bytes per decoy)", ix.Len(), float64(used)/1e6, float64(used)/n)
	if used > 256<<20 {
		t.Errorf("index of %d decoys takes %d MB; want at most 256 MB", n, used>>20)
	}
	// Every one of them is found, and the index stays usable.
	probe := genDecoys(n-3, 3)
	for _, d := range probe {
		d.Validate()
		ev := auditlog.Event{Kind: auditlog.KindAudit, VaultID: d.VaultID, VaultName: strings.ToLower(d.VaultName), ObjectName: d.Name, ObjectType: d.Type}
		if got := ix.Lookup(&ev); len(got) != 1 || got[0].ID != d.ID {
			t.Errorf("Lookup(%s) = %+v", d.Key(), got)
		}
	}
	runtime.KeepAlive(ix)
}

func BenchmarkLookup(b *testing.B) {
	ix, _ := NewIndex(genDecoys(0, 100_000))
	d := genDecoys(5000, 1)[0]
	d.Validate()
	ev := auditlog.Event{Kind: auditlog.KindAudit, VaultID: d.VaultID, VaultName: strings.ToLower(d.VaultName), ObjectName: strings.ToUpper(d.Name), ObjectType: d.Type}
	b.ReportAllocs()
	for b.Loop() {
		if len(ix.Lookup(&ev)) != 1 {
			b.Fatal("not found")
		}
	}
}

// FuzzCheck keeps the index's decoy check equal to the registry's.
func FuzzCheck(f *testing.F) {
	f.Add(vaultPay, "", "db-password", "secret", "")
	f.Add(strings.ToUpper(vaultPay)+"/", "KV-PAY", "x", "Key", "MISSING")
	f.Add("subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1", "", "x", "secret", "active")
	f.Add("/subscriptions//resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1", "", "x", "certificate", "retired")
	f.Fuzz(func(t *testing.T, vaultID, vaultName, name, typ, status string) {
		d := registry.Decoy{VaultID: vaultID, VaultName: vaultName, Name: name, Type: registry.Type(typ), Status: registry.Status(status)}
		got := check(d, false) == nil
		want := d.Validate() == nil
		if got != want {
			t.Errorf("check(%+v) ok = %v; registry says %v", d, got, want)
		}
	})
}

// Decoys of one vault are interned and checked once for the run of them
// (Add skips parsing an id spelled as the last one's): a vault of the same
// name in another subscription between two runs, a removal between two
// adds, and a bad vault name after a good one are each still told apart.
func TestIndexAddVaultByVault(t *testing.T) {
	other := strings.Replace(vaultPay, "/subscriptions/", "/subscriptions/9", 1)
	ix, err := NewIndex([]registry.Decoy{
		{ID: 1, VaultID: vaultPay, Name: "a", Type: registry.Secret},
		{ID: 2, VaultID: vaultPay, Name: "b", Type: registry.Secret},
		{ID: 3, VaultID: other, Name: "a", Type: registry.Secret},
		{ID: 4, VaultID: vaultPay, Name: "c", Type: registry.Secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	ix.Remove(registry.Decoy{VaultID: other, Name: "a", Type: registry.Secret})
	if err := ix.Add(registry.Decoy{ID: 5, VaultID: other, Name: "d", Type: registry.Secret}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		vault, name string
		want        int64 // 0: no hit
	}{{vaultPay, "a", 1}, {vaultPay, "b", 2}, {vaultPay, "c", 4}, {other, "a", 0}, {other, "d", 5}, {vaultPay, "d", 0}} {
		ev := event(t, c.vault, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/"+c.name, 200)
		got := ix.Lookup(&ev)
		switch {
		case c.want == 0 && len(got) != 0:
			t.Errorf("%s in %s: %+v; want no hit", c.name, c.vault, got)
		case c.want != 0 && (len(got) != 1 || got[0].ID != c.want || !strings.EqualFold(got[0].VaultID, c.vault)):
			t.Errorf("%s in %s: %+v; want decoy %d", c.name, c.vault, got, c.want)
		}
	}
	err = ix.Add(
		registry.Decoy{VaultID: vaultPay, VaultName: "kv-pay", Name: "e", Type: registry.Secret},
		registry.Decoy{VaultID: vaultPay, VaultName: "kv-other", Name: "f", Type: registry.Secret},
	)
	if err == nil || !strings.Contains(err.Error(), "decoy 2") {
		t.Errorf("a vault name that does not match the id after one that does: err %v", err)
	}
}
