package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/store"
)

// waitTag waits until the emulator's vault carries tag=want.
func waitTag(t *testing.T, e *kvemu.Emulator, vault, tag, want string) {
	t.Helper()
	ingesttest.Eventually(t, time.Minute, fmt.Sprintf("%s tagged %s=%s", vault, tag, want), func() bool {
		v, ok := e.Vault(vault)
		return ok && v.Tags[tag] == want
	})
}

// With kvreview.enabled, serve tags every discovered vault from its
// coverage after discovery (other tags untouched), turns a vault Reviewed
// when a deploy from the console plants it and ReviewNeeded again when its
// decoy is retired, puts back a tag someone changed at the next discovery,
// and records every write in the audit trail; with it off, nothing is
// written.
func TestServeKeepsKVReviewTags(t *testing.T) {
	e, srv := deployEstateWith(t, func(c *config.Config) {
		c.KVReview.Enabled = true
		c.KVReview.Tag = "HoneyReview"
	})
	for _, v := range e.Vaults() {
		waitTag(t, e, v.Name, "HoneyReview", "ReviewNeeded")
	}
	if pay, _ := e.Vault("kv-pay"); len(pay.Tags) != 2 || pay.Tags["team"] != "payments" {
		t.Errorf("kv-pay tags %v; want team=payments kept beside HoneyReview", pay.Tags)
	}
	// The audit row follows each write.
	var rows []store.AuditEntry
	ingesttest.Eventually(t, time.Minute, "a vault.tag row per vault", func() bool {
		rows = auditRows(t, srv.Store, "vault.tag")
		return len(rows) >= len(e.Vaults())
	})
	if len(rows) != len(e.Vaults()) {
		t.Fatalf("%d vault.tag rows for %d vaults: %+v", len(rows), len(e.Vaults()), rows)
	}
	for _, r := range rows {
		if r.Actor != tagUpkeepActor || !strings.Contains(r.Detail, "HoneyReview: (none) → ReviewNeeded (no active decoy)") {
			t.Errorf("audit row %+v", r)
		}
	}

	// Deploy to kv-web from the console: Reviewed.
	var run api.Run
	if code, body := apiJSON(t, srv, "POST", "/api/v1/deploys", adminToken, api.DeployRequest{Vaults: []string{kvWebID}}, &run); code != http.StatusAccepted {
		t.Fatalf("plan: %d %s", code, body)
	}
	waitRun(t, srv, "deploy", run.ID, "planned")
	if code, body := apiJSON(t, srv, "POST", fmt.Sprintf("/api/v1/deploys/%d/confirm", run.ID), adminToken, nil, &run); code != http.StatusAccepted {
		t.Fatalf("confirm: %d %s", code, body)
	}
	waitRun(t, srv, "deploy", run.ID, "done")
	waitTag(t, e, "kv-web", "HoneyReview", "Reviewed")

	// Someone sets it back by hand: the next discovery restores it.
	if err := e.SetVaultTag("kv-web", "HoneyReview", "ReviewNeeded"); err != nil {
		t.Fatal(err)
	}
	if code, body := apiJSON(t, srv, "POST", "/api/v1/vaults/discover", adminToken, nil, nil); code/100 != 2 {
		t.Fatalf("discover: %d %s", code, body)
	}
	waitTag(t, e, "kv-web", "HoneyReview", "Reviewed")

	// Retire its decoy: ReviewNeeded again.
	if code, body := apiJSON(t, srv, "POST", "/api/v1/retires", adminToken, api.RetireRequest{Vaults: []string{"kv-web"}}, &run); code != http.StatusAccepted {
		t.Fatalf("retire plan: %d %s", code, body)
	}
	waitRun(t, srv, "retire", run.ID, "planned")
	if code, body := apiJSON(t, srv, "POST", fmt.Sprintf("/api/v1/retires/%d/confirm", run.ID), adminToken, nil, &run); code != http.StatusAccepted {
		t.Fatalf("retire confirm: %d %s", code, body)
	}
	waitRun(t, srv, "retire", run.ID, "done")
	waitTag(t, e, "kv-web", "HoneyReview", "ReviewNeeded")
	want := len(e.Vaults()) + 3 // every vault, then Reviewed, restored, ReviewNeeded
	ingesttest.Eventually(t, time.Minute, "the last write audited", func() bool {
		return len(auditRows(t, srv.Store, "vault.tag")) >= want
	})
	if n := len(auditRows(t, srv.Store, "vault.tag")); n != want {
		t.Errorf("%d vault.tag rows; want %d", n, want)
	}
}

// Off by default: serve discovers vaults and writes no tag.
func TestServeWritesNoTagsByDefault(t *testing.T) {
	e, srv := deployEstate(t)
	if code, body := apiJSON(t, srv, "POST", "/api/v1/vaults/discover", adminToken, nil, nil); code/100 != 2 {
		t.Fatalf("discover: %d %s", code, body)
	}
	for _, v := range e.Vaults() {
		if _, ok := v.Tags["KVReview"]; ok {
			t.Errorf("%s tagged with kvreview off: %v", v.Name, v.Tags)
		}
	}
	if rows := auditRows(t, srv.Store, "vault.tag"); len(rows) != 0 {
		t.Errorf("vault.tag rows with kvreview off: %+v", rows)
	}
}
