package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// diagnostics checks, for every vault holding decoys, that a diagnostic
// setting sends AuditEvent to a destination honeyvault reads: it lists the
// settings through Resource Manager, as discovery signs in, and records
// the outcome that coverage and the vault page show. On a schedule and when
// an admin asks (web.DiagnosticsChecker); one run at a time.
type diagnostics struct {
	st    *store.Store
	log   *slog.Logger
	inv   *inventory // for its Azure client
	dest  *auditpath.Destinations
	every time.Duration // 0: not on a schedule
	// onRoutes, if set, hears after each check (and publishRoutes) which
	// settings of each vault carry AuditEvent to honeyvault.
	onRoutes func(map[string][]string)

	run sync.Mutex // held for a whole run
}

func newDiagnostics(cfg config.Config, st *store.Store, inv *inventory, dest *auditpath.Destinations, log *slog.Logger) (*diagnostics, error) {
	every, err := cfg.Diagnostics.Every()
	if err != nil {
		return nil, err // config.Validate has refused it already
	}
	return &diagnostics{st: st, log: log, inv: inv, dest: dest, every: every}, nil
}

// CheckDiagnostics checks every vault holding decoys now, after any run
// under way (web.DiagnosticsChecker). The error is the store's: what Azure
// refused is in the report, vault by vault.
func (dc *diagnostics) CheckDiagnostics(ctx context.Context, actor string) (web.DiagnosticsReport, error) {
	dc.run.Lock()
	defer dc.run.Unlock()
	r := web.DiagnosticsReport{Started: time.Now().UTC()}
	err := dc.check(ctx, &r)
	r.Finished = time.Now().UTC()
	doubted := 0
	for _, v := range r.Vaults {
		if !v.OK() {
			doubted++
		}
	}
	level := slog.LevelInfo
	if err != nil || doubted > 0 || len(r.Errors) > 0 {
		level = slog.LevelWarn
	}
	dc.log.Log(ctx, level, "diagnostics: check done", "by", actor, "vaults", len(r.Vaults), "doubted", doubted, "errors", r.Errors, "err", err)
	return r, err
}

// diagnosticsPage is how many vaults a check reads from the store at once:
// a million decoys are 333,334 vaults, and grouping them all at once took
// half of serve's CPU while it ingested.
const diagnosticsPage = 1000

// liveStatuses are the statuses of decoys that are not retired: the
// vaults holding one are those a check looks at.
var liveStatuses = []registry.Status{registry.Active, registry.Missing}

func (dc *diagnostics) check(ctx context.Context, r *web.DiagnosticsReport) error {
	page, err := dc.st.DecoyVaultsAfter(ctx, "", diagnosticsPage, liveStatuses...)
	if err != nil || len(page) == 0 {
		return err // without decoys there is nothing to check: no need to sign in
	}
	az, err := dc.inv.azureClient()
	if err != nil {
		r.Errors = append(r.Errors, "sign-in: "+err.Error())
		return nil
	}
	// Sign in once first: without a token every vault would fail alike,
	// and its finding would say nothing about the vault.
	if _, err := az.WhoAmI(ctx); err != nil {
		r.Errors = append(r.Errors, "sign-in: "+err.Error())
		return nil
	}
	for len(page) > 0 {
		for _, v := range page {
			if registry.ProviderOf(v.Key) != registry.AzureKeyVault {
				continue // diagnostic settings are Azure's
			}
			if err := dc.checkVault(ctx, az, v.ID, r); err != nil {
				return err
			}
		}
		if len(page) < diagnosticsPage {
			break
		}
		if page, err = dc.st.DecoyVaultsAfter(ctx, page[len(page)-1].Key, diagnosticsPage, liveStatuses...); err != nil {
			return err
		}
	}
	return dc.publishRoutes(ctx)
}

// checkVault judges the vault with ARM id id and records the outcome.
func (dc *diagnostics) checkVault(ctx context.Context, az *azure.Client, id string, r *web.DiagnosticsReport) error {
	v := dc.verdict(ctx, az, id)
	if ctx.Err() != nil {
		return ctx.Err() // a cancelled listing says nothing of the vault
	}
	ap := store.AuditPath{VaultID: id, State: string(v.State), Reason: v.Reason, Routes: v.Routes, CheckedAt: time.Now().UTC()}
	if v.State != auditpath.OK && v.State != auditpath.Refused && v.State != auditpath.Failed {
		ap.Fix = dc.dest.Fix(id)
	}
	if err := dc.st.RecordAuditPath(ctx, ap); err != nil {
		return err
	}
	if !ap.OK() {
		dc.log.Warn("diagnostics: audit path in doubt", "vault_id", id, "state", ap.State, "reason", ap.Reason)
	}
	r.Vaults = append(r.Vaults, ap)
	return nil
}

// publishRoutes hands the routes of the latest checks to onRoutes: by
// vault key, the settings that carried AuditEvent to honeyvault (none for
// a vault whose path was in doubt).
func (dc *diagnostics) publishRoutes(ctx context.Context) error {
	if dc.onRoutes == nil {
		return nil
	}
	paths, err := dc.st.AuditPaths(ctx)
	if err != nil {
		return err
	}
	routes := make(map[string][]string, len(paths))
	for key, ap := range paths {
		if ap.OK() {
			routes[key] = ap.Routes
		}
	}
	dc.onRoutes(routes)
	return nil
}

// verdict lists one vault's settings and judges them.
func (dc *diagnostics) verdict(ctx context.Context, az *azure.Client, vaultID string) auditpath.Verdict {
	settings, err := az.DiagnosticSettings(ctx, vaultID)
	switch {
	case err == nil:
		return auditpath.Judge(dc.dest, settings)
	case azure.IsForbidden(err):
		return auditpath.RefusedVerdict()
	case azure.IsNotFound(err):
		return auditpath.FailedVerdict(errors.New("Resource Manager does not find the vault (deleted?)"))
	case azure.StatusCode(err) != 0:
		// The SDK's error holds the whole response: the code is what a
		// person needs on the coverage page; the log keeps the rest.
		dc.log.Warn("diagnostics: listing failed", "vault_id", vaultID, "err", err)
		return auditpath.FailedVerdict(fmt.Errorf("Resource Manager answered %d %s", azure.StatusCode(err), azure.ErrorCode(err)))
	}
	return auditpath.FailedVerdict(err)
}

// loop checks now and then every dc.every until ctx ends: at start too,
// so that a server restarted more often than the interval still checks.
func (dc *diagnostics) loop(ctx context.Context) {
	t := time.NewTicker(dc.every)
	defer t.Stop()
	for {
		dc.CheckDiagnostics(ctx, "system (scheduled diagnostics check)")
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
