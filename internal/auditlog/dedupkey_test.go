package auditlog

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// dedupKeyReference is DedupKey as first written, field by field into a
// running hash: stored events are deduplicated by the keys it gave, so
// DedupKey must give them still.
func dedupKeyReference(e *Event) string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	field(string(e.Kind))
	field(strings.ToLower(e.CorrelationID))
	if !e.vaultCallKey() {
		field(e.Time.UTC().Truncate(100 * time.Nanosecond).Format(time.RFC3339Nano))
	}
	field(strings.ToLower(e.Operation))
	vault := registry.VaultKey(e.VaultID)
	if vault == "" {
		vault = e.VaultName
	}
	field(vault)
	if e.Kind == KindActivity {
		field(strings.ToLower(strings.TrimRight(e.ResourceID, "/")))
		field(activityStatusKey(e.Status))
	} else {
		field(e.RequestURI)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func checkDedupKey(t *testing.T, ev *Event) {
	t.Helper()
	if got, want := ev.DedupKey(), dedupKeyReference(ev); got != want {
		t.Fatalf("DedupKey of %+v = %s; was %s", ev, got, want)
	}
}

func TestDedupKeyUnchanged(t *testing.T) {
	for _, raw := range fixtureRecords(t) {
		events, err := AppendEvents(nil, raw)
		if err != nil {
			continue
		}
		for i := range events {
			checkDedupKey(t, &events[i])
		}
	}
	long := strings.Repeat("É", 400) // past the stack buffer, not ASCII
	for _, ev := range []Event{
		{},
		{Kind: KindAudit, CorrelationID: "ÀB-c\x00\xff", Operation: "SecretGet", VaultID: "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV", RequestURI: long},
		{Kind: KindActivity, CorrelationID: long, Time: time.Date(2026, 11, 20, 8, 0, 0, 123456789, time.FixedZone("x", 3600)), ResourceID: "/A/B//", Status: "Succeeded"},
		{Kind: KindAudit, Operation: vaultOperationPrefix + "read", CorrelationID: "req-1", VaultID: "vault://Cluster/secret", VaultName: "x"},
		{Kind: KindAudit, Operation: "İSTANBUL \u212A", VaultName: "kv"},
	} {
		checkDedupKey(t, &ev)
	}
}
