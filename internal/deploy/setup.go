package deploy

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Overrides replace what Setup would build from the settings: tests and the
// lab point the SDK at the Key Vault emulator with them. The zero value
// overrides nothing.
type Overrides struct {
	Credential    azcore.TokenCredential
	ClientOptions *azcore.ClientOptions
}

// Setup builds a Deployer from the plant settings (as the CLI verbs and the
// console use it): the Azure client and who it signs in as, the planner,
// the rate limiter and the value hasher.
func Setup(ctx context.Context, c config.Plant, st *store.Store, o Overrides, log *slog.Logger) (*Deployer, error) {
	if _, err := PlannerSettings(c); err != nil {
		return nil, err
	}
	var err error
	co := azcore.ClientOptions{Cloud: CloudOf(c.Cloud)}
	if o.ClientOptions != nil {
		co = *o.ClientOptions
	}
	cred := o.Credential
	if cred == nil {
		cred, err = azure.NewCredential(azure.IdentitySettings{
			TenantID: c.TenantID, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
			CertificateFile: c.ClientCertificate, ManagedIdentity: c.ManagedIdentity,
		}, co)
		if err != nil {
			return nil, err
		}
	}
	az, err := azure.New(azure.Options{Credential: cred, ClientOptions: co})
	if err != nil {
		return nil, err
	}
	return SetupWith(ctx, c, st, az, log)
}

// SetupWith is Setup on an Azure client the caller has built already (serve
// shares the one its vault discovery signs in with): the planter is who az
// signs in as.
func SetupWith(ctx context.Context, c config.Plant, st *store.Store, az *azure.Client, log *slog.Logger) (*Deployer, error) {
	settings, err := PlannerSettings(c)
	if err != nil {
		return nil, err
	}
	planner, err := plant.NewPlanner(settings)
	if err != nil {
		return nil, err
	}
	limiter, err := NewLimiter(Limits{Headroom: c.RateHeadroom})
	if err != nil {
		return nil, err
	}
	var hasher *plant.Hasher
	if c.ValueHashKey != "" {
		key, err := hex.DecodeString(c.ValueHashKey)
		if err != nil {
			return nil, fmt.Errorf("deploy: value hash key: %w", err)
		}
		if hasher, err = plant.NewHasher(key); err != nil {
			return nil, err
		}
	}
	who, err := az.WhoAmI(ctx)
	if err != nil {
		return nil, err
	}
	return &Deployer{
		Azure: az, Store: st, Planner: planner, Planter: who, Limiter: limiter, Hasher: hasher,
		Concurrency: c.Concurrency, MaxThrottleWait: time.Duration(c.MaxThrottleWait), GrantTemporary: c.GrantTemporary, Log: log,
	}, nil
}

// As returns a Deployer that does what d does — the same Azure client,
// planner, rate limiter (so that runs side by side share Key Vault's
// budget) and settings — but names actor in the audit trail and plans
// with rng (nil: crypto randomness). The console makes one per run.
func (d *Deployer) As(actor string, rng func(vaultID string) *rand.Rand) *Deployer {
	return &Deployer{
		Azure: d.Azure, Store: d.Store, Planner: d.Planner, Planter: d.Planter, Actor: actor, Limiter: d.Limiter,
		Hasher: d.Hasher, Concurrency: d.Concurrency, MaxThrottleWait: d.MaxThrottleWait, GrantTemporary: d.GrantTemporary,
		AllowFor: d.AllowFor, Rand: rng, Now: d.Now, Log: d.Log, Canaries: d.Canaries,
	}
}

// PlannerSettings turns the plant settings into the planner's.
func PlannerSettings(c config.Plant) (plant.Settings, error) {
	s := plant.Settings{Quantity: plant.Quantity{P: c.Probability, Max: c.Max}, DNSSuffix: c.DNSSuffix}
	for _, t := range c.Types {
		pt, err := registry.ParseType(t)
		if err != nil {
			return plant.Settings{}, err
		}
		s.Types = append(s.Types, pt)
	}
	s.SecretKeywords, s.KeyKeywords, s.CertificateKeywords = c.SecretKeywords, c.KeyKeywords, c.CertificateKeywords
	return s, nil
}

// CanariesOf turns the canary settings into the planter's: the kinds it
// plants and where their values point, checked (a public name with a
// giveaway word is refused).
func CanariesOf(c config.Canary) (plant.Canaries, error) {
	return plant.NewCanaries(c.Kinds, plant.CanaryTargets{HTTPURL: c.HTTP.PublicURL, DNSZone: c.DNS.Zone, PostgresHost: c.Postgres.PublicHost})
}

// CloudOf is the Azure cloud a setting names: public (default), china or
// usgovernment.
func CloudOf(name string) cloud.Configuration {
	switch name {
	case "china":
		return cloud.AzureChina
	case "usgovernment":
		return cloud.AzureGovernment
	}
	return cloud.AzurePublic
}
