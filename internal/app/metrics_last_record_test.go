package app

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lastRecordAge is kv-beat's honeyvault_vault_last_record_age_seconds as
// /metrics shows it with token ("" for none), and whether it is there.
func (env *beatEnv) lastRecordAge(t *testing.T, token string) (float64, bool) {
	t.Helper()
	for _, line := range strings.Split(env.srv.metrics(t, token), "\n") {
		if rest, ok := strings.CutPrefix(line, `honeyvault_vault_last_record_age_seconds{vault="kv-beat"} `); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return v, true
		}
	}
	return 0, false
}

// honeyvault_vault_last_record_age_seconds: no series for a vault with no
// record stored; once its heartbeat's record is back, the age of its
// newest record as the store has it — to a metrics token only.
func TestVaultLastRecordAgeMetric(t *testing.T) {
	env := newBeatEnv(t)
	if _, ok := env.lastRecordAge(t, beatMetricsToken); ok {
		t.Fatal("a series for kv-beat before any record of it was stored")
	}
	env.beat(t)
	env.waitAllSeen(t)
	v, err := env.srv.Store.GetVault(context.Background(), kvBeatID)
	if err != nil {
		t.Fatal(err)
	}
	if v.LastRecord.IsZero() {
		t.Fatal("the heartbeat's record is back, but the vault has no last record")
	}
	before := time.Now()
	age, ok := env.lastRecordAge(t, beatMetricsToken)
	after := time.Now()
	if !ok {
		t.Fatal("no series for kv-beat once its record was stored")
	}
	// Bounded by the scrape's own start and end: the value is now minus
	// the stored time, whenever the scrape read the clock.
	if lo, hi := before.Sub(v.LastRecord).Seconds(), after.Sub(v.LastRecord).Seconds(); age < lo-1e-3 || age > hi+1e-3 {
		t.Errorf("age %.3f s; want between %.3f and %.3f (now minus the stored last record %s)", age, lo, hi, v.LastRecord)
	}
	if _, ok := env.lastRecordAge(t, ""); ok {
		t.Error("the open /metrics shows a vault's last record age")
	}
}
