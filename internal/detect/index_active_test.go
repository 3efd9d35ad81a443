package detect

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// ActiveVaultNames follows every add, update (a status change, in any
// case) and removal exactly as a count of the decoys would, and Changes
// moves exactly when what the index holds does: checked after each of
// many random changes against a map of decoy → status.
func TestActiveVaultNamesAgainstMap(t *testing.T) {
	ix, err := NewIndex(nil)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ vault, name string }
	status := map[key]registry.Status{}
	statuses := []registry.Status{registry.Active, registry.Missing, registry.Retired}
	r := rand.New(rand.NewPCG(1, 2))
	for step := range 3000 {
		before, changes := maps.Clone(status), ix.Changes()
		k := key{fmt.Sprintf("kv-%02d", r.IntN(12)), fmt.Sprintf("s-%d", r.IntN(6))}
		id := "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/" + k.vault
		if r.IntN(2) == 0 { // another spelling of the same vault
			id = strings.ToUpper(id)
		}
		switch op := r.IntN(5); {
		case op == 0:
			ix.Remove(registry.Decoy{VaultID: id, Name: strings.ToUpper(k.name), Type: registry.Secret})
			delete(status, k)
		default:
			st := statuses[r.IntN(len(statuses))]
			if err := ix.Add(registry.Decoy{ID: int64(step), VaultID: id, Name: k.name, Type: registry.Secret, Status: st}); err != nil {
				t.Fatal(err)
			}
			if st == registry.Retired {
				delete(status, k)
			} else {
				status[k] = st
			}
		}
		if moved := ix.Changes() != changes; moved != !maps.Equal(before, status) {
			t.Fatalf("step %d: Changes moved %v; the decoys changed %v", step, moved, !maps.Equal(before, status))
		}
		want := map[string]bool{}
		for k, st := range status {
			if st == registry.Active {
				want[k.vault] = true
			}
		}
		got := ix.ActiveVaultNames()
		slices.Sort(got)
		var wantList []string
		for v := range want {
			wantList = append(wantList, v)
		}
		slices.Sort(wantList)
		if !slices.Equal(got, wantList) {
			t.Fatalf("step %d: ActiveVaultNames = %v; want %v", step, got, wantList)
		}
	}
}
