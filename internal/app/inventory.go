package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/storeset"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// inventory discovers the key vaults of the configured subscriptions, as
// the planter signs in, and records them in the store: on a schedule and
// when an admin asks (web.Inventory). One run at a time; a subscription
// that cannot be listed is recorded with its error and does not stop the
// others.
type inventory struct {
	st    *store.Store
	log   *slog.Logger
	plant config.Plant
	over  deploy.Overrides
	every time.Duration // 0: not on a schedule
	types []registry.Type
	// afterDiscover, if set, runs after each discovery that recorded
	// its vaults (the KVReview upkeep).
	afterDiscover func(context.Context)
	// stores are the Vault clusters and the AWS account configured: each
	// run records their stores too (secretstore.Discover).
	stores []storeset.Entry

	run sync.Mutex // held for a whole run

	mu     sync.Mutex
	client *azure.Client // built at the first run that can
	last   web.DiscoveryReport
}

func newInventory(cfg config.Config, st *store.Store, over deploy.Overrides, log *slog.Logger) (*inventory, error) {
	every, err := cfg.Inventory.Every()
	if err != nil {
		return nil, err // config.Validate has refused it already
	}
	settings, err := deploy.PlannerSettings(cfg.Plant)
	if err != nil {
		return nil, err
	}
	// Building the providers sends nothing; a bad vault or aws section
	// stops the start like any bad setting.
	stores, err := storeset.Open(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings() {
		log.Warn("config: " + w)
	}
	return &inventory{st: st, log: log, plant: cfg.Plant, over: over, every: every, types: settings.Types, stores: stores}, nil
}

// azureClient builds the Azure client once: the overrides' credential (the
// lab's emulator), else the plant settings' identity.
func (inv *inventory) azureClient() (*azure.Client, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.client != nil {
		return inv.client, nil
	}
	co := azcore.ClientOptions{Cloud: deploy.CloudOf(inv.plant.Cloud)}
	if inv.over.ClientOptions != nil {
		co = *inv.over.ClientOptions
	}
	cred := inv.over.Credential
	if cred == nil {
		var err error
		cred, err = azure.NewCredential(azure.IdentitySettings{
			TenantID: inv.plant.TenantID, ClientID: inv.plant.ClientID, ClientSecret: inv.plant.ClientSecret,
			CertificateFile: inv.plant.ClientCertificate, ManagedIdentity: inv.plant.ManagedIdentity,
		}, co)
		if err != nil {
			return nil, err
		}
	}
	c, err := azure.New(azure.Options{Credential: cred, ClientOptions: co})
	if err != nil {
		return nil, err
	}
	inv.client = c
	return c, nil
}

// Status is the latest run's report (web.Inventory).
func (inv *inventory) Status() web.DiscoveryReport {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	r := inv.last
	r.Errors = append([]string(nil), r.Errors...)
	return r
}

// Discover runs discovery now, after any run under way, and returns its
// report (web.Inventory). The error is the store's: what Azure refused is
// in the report.
func (inv *inventory) Discover(ctx context.Context) (web.DiscoveryReport, error) {
	inv.run.Lock()
	defer inv.run.Unlock()
	inv.mu.Lock()
	inv.last.Running = true
	inv.mu.Unlock()
	r, err := inv.discover(ctx)
	if err != nil {
		r.Errors = append(r.Errors, err.Error())
	}
	// Key Vault's follow-ups (KVReview tags, auto-planting) go by Key
	// Vault's own listing, not the other stores'.
	azureSeen := r.Result.Seen
	inv.discoverStores(ctx, &r)
	r.Finished = time.Now().UTC()
	inv.mu.Lock()
	inv.last = r
	inv.mu.Unlock()
	level := slog.LevelInfo
	if len(r.Errors) > 0 {
		level = slog.LevelWarn
	}
	inv.log.Log(ctx, level, "inventory: discovery done", "vaults", r.Result.Seen, "new", r.Result.New,
		"gone", r.Result.Gone, "back", r.Result.Back, "subscriptions", r.Subscriptions, "errors", strings.Join(r.Errors, "; "))
	if err == nil && azureSeen > 0 && inv.afterDiscover != nil {
		inv.afterDiscover(ctx)
	}
	return r, err
}

func (inv *inventory) discover(ctx context.Context) (web.DiscoveryReport, error) {
	r := web.DiscoveryReport{Started: time.Now().UTC()}
	az, err := inv.azureClient()
	if err != nil {
		r.Errors = append(r.Errors, "sign-in: "+err.Error())
		return r, nil
	}
	var planter azure.Principal
	if p, err := az.WhoAmI(ctx); err != nil {
		r.Errors = append(r.Errors, err.Error())
		return r, nil
	} else {
		planter = p
	}
	// Display names come from the subscription list even when the
	// subscriptions are configured; without it they stay as they were.
	names := map[string]string{}
	subs := inv.plant.Subscriptions
	all, err := az.Subscriptions(ctx)
	switch {
	case err != nil && len(subs) == 0:
		r.Errors = append(r.Errors, "listing subscriptions: "+err.Error())
		return r, nil
	case err != nil:
		r.Errors = append(r.Errors, "subscription names: "+err.Error())
	}
	for _, s := range all {
		names[strings.ToLower(s.ID)] = s.DisplayName
		if len(inv.plant.Subscriptions) == 0 && s.Usable() {
			subs = append(subs, s.ID)
		}
	}
	if len(subs) == 0 {
		r.Errors = append(r.Errors, fmt.Sprintf("%s sees no subscription: grant it Reader on the subscriptions to cover, or set plant.subscriptions", planter))
		return r, nil
	}
	vaults, errs := az.Vaults(ctx, subs)
	failed := map[string]string{}
	for _, e := range errs {
		var se *azure.SubscriptionError
		if errors.As(e, &se) {
			failed[strings.ToLower(se.SubscriptionID)] = se.Err.Error()
			continue
		}
		r.Errors = append(r.Errors, e.Error())
	}
	if ctx.Err() != nil {
		r.Errors = append(r.Errors, "interrupted: "+ctx.Err().Error())
		return r, nil
	}
	d := store.Discovery{At: r.Started}
	for _, sub := range subs {
		d.Subscriptions = append(d.Subscriptions, store.Subscription{ID: sub, DisplayName: names[strings.ToLower(sub)], Error: failed[strings.ToLower(sub)]})
	}
	for _, v := range vaults {
		d.Vaults = append(d.Vaults, store.Vault{
			ID: v.ID, Name: v.Name, ResourceGroup: v.ResourceGroup, Location: v.Location, RBAC: v.RBAC, Tags: v.Tags,
			SoftDelete: v.SoftDelete, PurgeProtection: v.PurgeProtected, PlantingBlocked: deploy.PolicyProblem(v, planter, inv.types),
		})
	}
	r.Subscriptions = len(subs)
	r.FailedSubscriptions = len(failed)
	res, err := inv.st.RecordDiscovery(ctx, d)
	r.Result = res
	return r, err
}

// discoverStores records the stores of every configured Vault cluster
// and AWS account, adding to r; a provider that cannot be listed is an
// error of r and changes nothing.
func (inv *inventory) discoverStores(ctx context.Context, r *web.DiscoveryReport) {
	for _, e := range inv.stores {
		res, err := secretstore.Discover(ctx, e.Provider, inv.st, e.Name, time.Now().UTC())
		if err != nil {
			r.Errors = append(r.Errors, e.Name+": "+err.Error())
			continue
		}
		r.Result.Seen += res.Seen
		r.Result.New += res.New
		r.Result.Back += res.Back
		r.Result.Gone += res.Gone
	}
}

// loop discovers now and then every inv.every until ctx ends.
func (inv *inventory) loop(ctx context.Context) {
	t := time.NewTicker(inv.every)
	defer t.Stop()
	for {
		inv.Discover(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
