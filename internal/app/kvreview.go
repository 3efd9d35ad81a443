package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/kvreview"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// tagUpkeepActor is who the audit trail names for the tags serve writes.
const tagUpkeepActor = "system (KVReview upkeep)"

// tagUpkeepConcurrency is how many vaults the upkeep tags at once: tag
// writes count against Resource Manager's per-subscription write limit,
// which planting shares.
const tagUpkeepConcurrency = 4

// tagUpkeep keeps the KVReview tag of every vault in the inventory current
// (kvreview.enabled): after each discovery, which has just read every
// vault's tags, and after each deploy or retire run, which changes
// coverage. It writes only the vaults whose tag is missing or wrong, and
// records each write in the inventory and the audit trail. One run at a
// time.
type tagUpkeep struct {
	st       *store.Store
	inv      *inventory
	settings kvreview.Settings
	log      *slog.Logger

	run sync.Mutex
}

func newTagUpkeep(cfg config.KVReview, st *store.Store, inv *inventory, log *slog.Logger) *tagUpkeep {
	if !cfg.Enabled {
		return nil
	}
	return &tagUpkeep{st: st, inv: inv, log: log,
		settings: kvreview.Settings{Tag: cfg.Tag, Reviewed: cfg.Reviewed, ReviewNeeded: cfg.ReviewNeeded}}
}

// Run tags the vaults that need it. A nil upkeep (kvreview off) does
// nothing. Failures are logged: the next run tries again.
func (u *tagUpkeep) Run(ctx context.Context) {
	if u == nil {
		return
	}
	u.run.Lock()
	defer u.run.Unlock()
	written, failed, err := u.tag(ctx)
	level := slog.LevelInfo
	if err != nil || failed > 0 {
		level = slog.LevelWarn
	}
	if written > 0 || failed > 0 || err != nil {
		u.log.Log(ctx, level, "kvreview: tags kept current", "written", written, "failed", failed, "err", err)
	}
}

func (u *tagUpkeep) tag(ctx context.Context) (written, failed int, err error) {
	vaults, err := u.st.ListVaults(ctx, store.VaultFilter{})
	if err != nil {
		return 0, 0, err
	}
	active, err := u.st.ActiveDecoysByVault(ctx)
	if err != nil {
		return 0, 0, err
	}
	in := make([]kvreview.Vault, 0, len(vaults))
	for _, v := range vaults {
		if registry.ProviderOf(v.ID) != registry.AzureKeyVault {
			continue // the review tags are Azure resource tags
		}
		in = append(in, kvreview.Vault{ID: v.ID, Name: v.Name, Subscription: v.SubscriptionID, Tags: v.Tags, Active: active[v.Key()]})
	}
	plan := kvreview.Plan(u.settings, in)
	needed := 0
	for _, c := range plan {
		if c.Needed() {
			needed++
		}
	}
	if needed == 0 {
		return 0, 0, nil
	}
	az, err := u.inv.azureClient()
	if err != nil {
		return 0, needed, err
	}
	for _, r := range kvreview.Apply(ctx, fencedTagger{az, u.st}, u.settings, plan, tagUpkeepConcurrency, nil) {
		switch {
		case r.Err != nil:
			failed++
			u.log.Warn("kvreview: unable to tag a vault", "vault", r.Name, "err", r.Err)
		case r.Written:
			written++
			u.recordWrite(ctx, r.Change)
		}
	}
	return written, failed, nil
}

// recordWrite notes a tag written in the inventory and the audit trail.
// The tag is on the vault whatever these say, so failures are logged.
func (u *tagUpkeep) recordWrite(ctx context.Context, c kvreview.Change) {
	if err := u.st.SetVaultTags(ctx, c.ID, kvreview.After(u.settings, c)); err != nil {
		u.log.Warn("kvreview: unable to record a vault's tags", "vault", c.Name, "err", err)
	}
	e := store.AuditEntry{Actor: tagUpkeepActor, Action: kvreview.AuditAction, Target: c.ID, Detail: kvreview.Describe(u.settings, c)}
	if err := u.st.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		u.log.Error("kvreview: audit trail: unable to record", "err", err)
	}
}

// fencedTagger writes a vault's tags only while the lease the context
// carries (the scheduler's, for the upkeep after discovery) is still this
// replica's: the database cannot fence a call to Azure, so the lease is
// checked right before each, a window as long as one call.
type fencedTagger struct {
	kvreview.Tagger
	st *store.Store
}

func (t fencedTagger) MergeVaultTags(ctx context.Context, vaultID string, tags map[string]string) (map[string]string, error) {
	if err := t.st.CheckFence(ctx); err != nil {
		return nil, err
	}
	return t.Tagger.MergeVaultTags(ctx, vaultID, tags)
}
