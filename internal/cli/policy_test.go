package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/store"
)

// vaultTags reads a vault's tags as the emulator holds them.
func vaultTags(t *testing.T, emu *kvemu.Emulator, name string) map[string]string {
	t.Helper()
	v, ok := emu.Vault(name)
	if !ok {
		t.Fatalf("no vault %s", name)
	}
	return v.Tags
}

func tagAudits(t *testing.T, dsn string) []store.AuditEntry {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, err := st.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for _, e := range all {
		if e.Action == "vault.tag" {
			out = append(out, e)
		}
	}
	return out
}

// The KVReview flow against the emulator: status shows what is wrong, tag
// plans without writing, --apply writes through the Tags API (a merge:
// other tags stay; a tag of the same name in another case is replaced),
// records each write, and a second run writes nothing.
func TestPolicyTagVerb(t *testing.T) {
	emu, db := plantEstate(t)
	if _, err := emu.CreateVault(kvemu.VaultSpec{Name: "kv-tagged", SubscriptionID: plantSub, ResourceGroup: "rg-apps",
		Tags: map[string]string{"owner": "team-a", "kvreview": "Reviewed"}}); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runNames(t, "", "plant", "--db", db, "--vault", "kv-orders-prod", "--types", "secret"); code != 0 {
		t.Fatalf("plant: exit %d\n%s\n%s", code, out, stderr)
	}
	decoys := registryOf(t, db)

	code, out, stderr := runNames(t, "", "policy", "status", "--db", db)
	if code != 1 {
		t.Errorf("status of an untagged estate: exit %d; want 1\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{plantSub + "  4       1            1         0              0      3         4             25%",
		"4 vaults are tagged wrong for their coverage: run honeyvault policy tag --apply"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}

	code, out, stderr = runNames(t, "", "policy", "tag", "--db", db)
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"KVReview NOW", "kv-orders-prod   " + plantSub + "  1              (none)        Reviewed      set",
		"kv-billing-prod  " + plantSub + "  0              (none)        ReviewNeeded  set",
		"kv-tagged        " + plantSub + "  0              Reviewed      ReviewNeeded  set",
		"4 of 4 vaults to tag. Nothing written: run again with --apply."} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if tags := vaultTags(t, emu, "kv-orders-prod"); len(tags) != 0 {
		t.Fatalf("the plan wrote tags: %v", tags)
	}

	code, out, stderr = runNames(t, "", "policy", "tag", "--db", db, "--apply")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "4 vaults tagged, 0 failed.") || !strings.Contains(stderr, "4/4 vaults tagged") {
		t.Errorf("apply output:\n%s\n%s", out, stderr)
	}
	for vault, want := range map[string]string{"kv-orders-prod": "Reviewed", "kv-billing-prod": "ReviewNeeded", "kv-locked": "ReviewNeeded"} {
		if got := vaultTags(t, emu, vault); len(got) != 1 || got["KVReview"] != want {
			t.Errorf("%s tags %v; want only KVReview=%s", vault, got, want)
		}
	}
	if got := vaultTags(t, emu, "kv-tagged"); len(got) != 2 || got["owner"] != "team-a" || got["KVReview"] != "ReviewNeeded" {
		t.Errorf("kv-tagged tags %v; want owner kept and kvreview replaced by KVReview=ReviewNeeded", got)
	}
	audits := tagAudits(t, db)
	if len(audits) != 4 {
		t.Fatalf("%d vault.tag audit rows; want 4: %+v", len(audits), audits)
	}
	for _, e := range audits {
		if !strings.HasPrefix(e.Actor, "cli:") || !strings.Contains(e.Detail, "KVReview: ") {
			t.Errorf("audit row %+v", e)
		}
	}
	for _, d := range decoys {
		if strings.Contains(out+stderr, d.Name) {
			t.Errorf("policy tag printed decoy name %s", d.Name)
		}
	}

	// Everything right now: status passes, a second apply writes nothing.
	code, out, _ = runNames(t, "", "policy", "status", "--db", db)
	if code != 0 || !strings.Contains(out, plantSub+"  4       1            1         3              0      0         0             25%") {
		t.Errorf("status after apply: exit %d\n%s", code, out)
	}
	code, out, _ = runNames(t, "", "policy", "tag", "--db", db, "--apply")
	if code != 0 || !strings.Contains(out, "All 4 vaults are tagged right.") {
		t.Errorf("second apply: exit %d\n%s", code, out)
	}
	if n := len(tagAudits(t, db)); n != 4 {
		t.Errorf("second apply added audit rows: %d", n)
	}

	// A refused write fails the vault and the run, and changes nothing.
	if _, err := emu.CreateVault(kvemu.VaultSpec{Name: "kv-new", SubscriptionID: plantSub, ResourceGroup: "rg-apps"}); err != nil {
		t.Fatal(err)
	}
	emu.DenyManagement(cliPlanter.ObjectID, true)
	code, out, _ = runNames(t, "", "policy", "tag", "--db", db, "--apply", "--vault", "kv-new")
	if code != 1 || !strings.Contains(out, "failed: ") || !strings.Contains(out, "0 vaults tagged, 1 failed.") {
		t.Errorf("refused apply: exit %d\n%s", code, out)
	}
	if tags := vaultTags(t, emu, "kv-new"); len(tags) != 0 {
		t.Errorf("refused write left tags %v", tags)
	}

	if code, _, stderr := runNames(t, "", "policy", "tag", "--db", db, "--concurrency", "0"); code != 2 || !strings.Contains(stderr, "--concurrency 0") {
		t.Errorf("bad concurrency: exit %d %s", code, stderr)
	}
}
