// Package vault is the HashiCorp Vault / OpenBao provider of package
// secretstore: it plants decoy secrets into KV v2 mounts with the official
// client (github.com/hashicorp/vault/api).
//
// What it sends, and why:
//   - Stores: GET sys/mounts; every mount of type kv with options.version 2
//     is a store, vault://{Cluster}/{mount}.
//   - Inventory: on OpenBao, LIST {mount}/detailed-metadata/{dir}
//     recursively, which gives every secret's custom_metadata, times and
//     version with no call naming a secret. Elsewhere (or without that
//     capability) LIST {mount}/metadata/{dir} recursively, then GET
//     {mount}/metadata/{path} of each real secret; honeyvault's own
//     decoys are listed by name only (a metadata read naming one alerts).
//     Lists are paged with OpenBao's after/limit when the server honours
//     them and bounded by MaxSecrets. Never a data read: that would read a
//     real secret's value for nothing.
//   - Create: PUT {mount}/data/{path} with options.cas 0, so that a path
//     someone else took since the inventory is refused (ErrConflict) and
//     never overwritten, then POST {mount}/metadata/{path} with the
//     custom_metadata. The client's retries are off: a retried create
//     whose first attempt landed would look like a conflict.
//   - Delete: DELETE {mount}/metadata/{path}, every version for good.
//   - Planter: GET auth/token/lookup-self: the token's entity id (its
//     accessor when it has no entity), as Vault's audit entries name the
//     caller in auth.entity_id (accessors are HMAC'd unless the device
//     has hmac_accessor=false).
//
// The token needs this policy (mount "secret" as an example):
//
//	path "sys/mounts" { capabilities = ["read"] }
//	path "secret/metadata/*" { capabilities = ["list", "read", "create", "update", "delete"] }
//	path "secret/data/*" { capabilities = ["create"] }
//	path "auth/token/lookup-self" { capabilities = ["read"] }
//	path "secret/detailed-metadata/*" { capabilities = ["list"] }  # OpenBao only: no metadata reads
package vault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
)

// Defaults of a Config.
const (
	// DefaultMaxSecrets bounds one mount's inventory.
	DefaultMaxSecrets = 20000
	// DefaultTimeout bounds one request.
	DefaultTimeout = 30 * time.Second
	// pageSize is the OpenBao list page asked for; Vault ignores it and
	// answers with every key.
	pageSize = 1000
	// maxDepth bounds how deep the inventory descends.
	maxDepth = 16
)

// Config says which Vault to plant into and how to reach it.
type Config struct {
	// Cluster is the operator's name for the server (store ids are
	// vault://{Cluster}/{mount}): 1-63 letters, digits, dots and dashes.
	Cluster string
	// Address is the server's URL, https://vault.example.com:8200.
	Address string
	// Token is the Vault token honeyvault acts with.
	Token string
	// Namespace is a Vault Enterprise or OpenBao namespace; "" for root.
	Namespace string
	// CACert is the PEM of the CA the server's certificate chains to; nil
	// means the system's roots. Ignored when HTTPClient is set.
	CACert []byte
	// HTTPClient, when set, carries every request (its TLS settings too).
	HTTPClient *http.Client
	// MaxSecrets bounds one mount's inventory; 0 means DefaultMaxSecrets.
	MaxSecrets int
	// Timeout bounds one request; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Provider plants into one Vault cluster's KV v2 mounts. It is safe for
// concurrent use.
type Provider struct {
	cluster    string
	client     *vaultapi.Client
	maxSecrets int
}

var _ secretstore.Provider = (*Provider)(nil)

// New checks cfg and builds the client. It sends nothing.
func New(cfg Config) (*Provider, error) {
	if registry.ProviderOf(registry.HashiCorpVaultID(cfg.Cluster, "secret")) != registry.HashiCorpVault {
		return nil, errors.New("vault: no cluster name")
	}
	if _, err := registry.ParseStoreID(registry.HashiCorpVaultID(cfg.Cluster, "secret")); err != nil {
		return nil, fmt.Errorf("vault: cluster name %q: want 1-63 letters, digits, dots and dashes", cfg.Cluster)
	}
	if cfg.Address == "" {
		return nil, errors.New("vault: no address (want https://host:8200)")
	}
	if cfg.Token == "" {
		return nil, errors.New("vault: no token")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.CACert != nil {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(cfg.CACert) {
				return nil, errors.New("vault: the CA certificate is not PEM")
			}
			tc.RootCAs = pool
		}
		hc = &http.Client{Transport: &http.Transport{TLSClientConfig: tc, Proxy: http.ProxyFromEnvironment}}
	}
	// Vault answers redirects (standby nodes) that the client follows itself.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c, err := vaultapi.NewClient(&vaultapi.Config{
		Address: cfg.Address, HttpClient: hc, Timeout: cmpOr(cfg.Timeout, DefaultTimeout),
		MaxRetries: 0,
	})
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	// NewClient takes VAULT_TOKEN and VAULT_NAMESPACE from the
	// environment: the configuration decides instead.
	c.SetToken(cfg.Token)
	if cfg.Namespace != "" {
		c.SetNamespace(cfg.Namespace)
	} else {
		c.ClearNamespace()
	}
	return &Provider{cluster: cfg.Cluster, client: c, maxSecrets: cmpOr(cfg.MaxSecrets, DefaultMaxSecrets)}, nil
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

// Kind is registry.HashiCorpVault.
func (p *Provider) Kind() registry.Provider { return registry.HashiCorpVault }

// CreateOperations are the data write's and the metadata write's
// operations as detection names them (create for a new path, update for
// the metadata written after it).
func (p *Provider) CreateOperations() []string { return []string{"vault:create", "vault:update"} }

// DeleteOperations is the metadata delete's operation.
func (p *Provider) DeleteOperations() []string { return []string{"vault:delete"} }

// Stores lists the cluster's KV v2 mounts.
func (p *Provider) Stores(ctx context.Context) ([]secretstore.Store, error) {
	mounts, err := p.client.Sys().ListMountsWithContext(ctx)
	if err != nil {
		return nil, wrap("listing mounts", err)
	}
	var out []secretstore.Store
	for path, m := range mounts {
		if m == nil || m.Type != "kv" || m.Options["version"] != "2" {
			continue
		}
		id := registry.HashiCorpVaultID(p.cluster, path)
		sid, err := registry.ParseStoreID(id)
		if err != nil {
			continue // a mount path honeyvault cannot name (odd bytes)
		}
		out = append(out, secretstore.Store{ID: id, Name: sid.Name})
	}
	sortStores(out)
	return out, nil
}

// Planter looks the token up.
func (p *Provider) Planter(ctx context.Context) (secretstore.Planter, error) {
	s, err := p.client.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return secretstore.Planter{}, wrap("looking up the token", err)
	}
	if s == nil || s.Data == nil {
		return secretstore.Planter{}, errors.New("vault: looking up the token: empty answer")
	}
	str := func(k string) string { v, _ := s.Data[k].(string); return v }
	pl := secretstore.Planter{Identity: str("entity_id"), Display: str("display_name")}
	if pl.Identity == "" {
		pl.Identity = str("accessor")
	}
	if pl.Identity == "" {
		return secretstore.Planter{}, errors.New("vault: the token has neither an entity nor an accessor")
	}
	if pl.Display == "" {
		pl.Display = "vault:" + pl.Identity
	} else {
		pl.Display = "vault:" + pl.Display
	}
	return pl, nil
}

// mountOf reads a store id of this cluster.
func (p *Provider) mountOf(storeID string) (string, error) {
	sid, err := registry.ParseStoreID(storeID)
	if err != nil {
		return "", err
	}
	if sid.Provider != registry.HashiCorpVault || !strings.EqualFold(sid.Group, p.cluster) {
		return "", fmt.Errorf("vault: store %q is not a mount of cluster %s", storeID, p.cluster)
	}
	return sid.Mount, nil
}

// Create writes a decoy: its data only if the path is free, then its
// custom metadata.
func (p *Provider) Create(ctx context.Context, storeID, name string, value plant.Fields, tags map[string]string) (secretstore.Created, error) {
	mount, err := p.mountOf(storeID)
	if err != nil {
		return secretstore.Created{}, err
	}
	if !registry.HashiCorpVault.ValidName(name) {
		return secretstore.Created{}, fmt.Errorf("%w: %q is not a KV path honeyvault plants", secretstore.ErrInvalid, name)
	}
	kv := p.client.KVv2(mount)
	s, err := kv.Put(ctx, name, value.Map(), vaultapi.WithCheckAndSet(0))
	if err != nil {
		return secretstore.Created{}, wrap("writing a decoy", err)
	}
	var c secretstore.Created
	if vm := s.VersionMetadata; vm != nil {
		c = secretstore.Created{Version: fmt.Sprint(vm.Version), Created: vm.CreatedTime}
	}
	if len(tags) > 0 {
		md := make(map[string]any, len(tags))
		for k, v := range tags {
			md[k] = v
		}
		if err := kv.PutMetadata(ctx, name, vaultapi.KVMetadataPutInput{CustomMetadata: md}); err != nil {
			// The secret exists: whatever the store says, this is no
			// refusal of the create (reconcile settles the record).
			return c, fmt.Errorf("vault: decoy written, its custom metadata not: %w", unclear(err))
		}
	}
	return c, nil
}

// Delete destroys every version of a secret and its metadata.
func (p *Provider) Delete(ctx context.Context, storeID, name string) error {
	ok, err := p.Exists(ctx, storeID, name)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: no secret at that path", secretstore.ErrNotFound)
	}
	mount, _ := p.mountOf(storeID)
	if err := p.client.KVv2(mount).DeleteMetadata(ctx, name); err != nil {
		return wrap("deleting a decoy", err)
	}
	return nil
}
