package app

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// A plan left unconfirmed past its lifetime is refused, and nothing runs;
// runs over make room for new ones, plans waiting do not. Retire plans
// need no Azure, so no emulator here: the clock is the test's.
func TestPlansExpireAndRunsAreBounded(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The clock is read by the goroutines that plan in the background.
	var clock sync.Mutex
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ds := newDeployments(nil, st, config.DefaultPlant(), slog.New(slog.DiscardHandler))
	ds.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	ds.keep = 2
	t.Cleanup(ds.cancel)
	decoy := registry.Decoy{ID: 1, VaultID: kvWebID, VaultName: "kv-web", Name: "d", Type: registry.Secret, Status: registry.Active}
	by := web.RunActor{Name: "alice"}

	first, err := ds.PlanRetire(context.Background(), by, []registry.Decoy{decoy}, false)
	if err != nil {
		t.Fatal(err)
	}
	ingesttest.Eventually(t, time.Minute, "the retire planned", func() bool {
		r, _ := ds.Run(first.ID)
		return r.State == web.RunPlanned
	})
	second, err := ds.PlanRetire(context.Background(), by, []registry.Decoy{decoy}, false)
	if err != nil {
		t.Fatal(err)
	}
	// Both plans are made (their lifetimes start) before the clock moves.
	ingesttest.Eventually(t, time.Minute, "the second retire planned", func() bool {
		r, _ := ds.Run(second.ID)
		return r.State == web.RunPlanned
	})
	if _, err := ds.PlanRetire(context.Background(), by, []registry.Decoy{decoy}, false); !errors.Is(err, web.ErrTooManyRuns) {
		t.Errorf("a third plan with two waiting: %v; want ErrTooManyRuns", err)
	}

	clock.Lock()
	now = now.Add(planLifetime + time.Second)
	clock.Unlock()
	if _, err := ds.Confirm(context.Background(), first.ID, by); !errors.Is(err, web.ErrRunState) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("confirming an expired plan: %v", err)
	}
	if r, _ := ds.Run(first.ID); r.State != web.RunExpired || !r.Started.IsZero() {
		t.Errorf("the expired plan: %+v", r)
	}
	if _, err := ds.PlanRetire(context.Background(), by, []registry.Decoy{decoy}, false); err != nil {
		t.Errorf("a plan once the others expired: %v", err)
	}
	if _, ok := ds.Run(first.ID); ok {
		t.Error("the oldest expired plan was kept past the bound")
	}
	if _, err := ds.Confirm(context.Background(), 99, by); !errors.Is(err, web.ErrRunNotFound) {
		t.Errorf("confirming an unknown run: %v", err)
	}
	if rows, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "retire.start"}); len(rows) != 0 {
		t.Errorf("an expired plan was started: %+v", rows)
	}
}
