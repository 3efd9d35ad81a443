// Package awssm is the AWS Secrets Manager provider of package
// secretstore: it plants decoy secrets into one account's Secrets Manager
// in each configured region with aws-sdk-go-v2.
//
// What it sends, and why:
//   - Stores: none; each configured region is a store,
//     arn:aws:secretsmanager:{region}:{account}.
//   - Inventory: ListSecrets, every page, secrets scheduled for deletion
//     included (their names are still taken): names, tags, dates and the
//     AWSCURRENT version. A list names no secret, so it reads no value and
//     raises no alert, for real secrets and decoys alike.
//   - Create: CreateSecret with the decoy's tags and a JSON SecretString,
//     an existing name refused (ResourceExistsException, ErrConflict);
//     the SDK's retries reuse one ClientRequestToken, so a retried create
//     is never a second one.
//   - Delete: DeleteSecret with ForceDeleteWithoutRecovery.
//   - Exists: ListSecrets filtered by the name (a prefix filter; the exact
//     name is then looked for).
//   - Planter: the principal's ARN as CloudTrail's userIdentity.arn names
//     it, from Config.PrincipalARN (honeyvault links no STS client to ask).
//
// The principal needs this policy:
//
//	{"Effect": "Allow", "Action": ["secretsmanager:ListSecrets"], "Resource": "*"}
//	{"Effect": "Allow", "Action": ["secretsmanager:CreateSecret", "secretsmanager:TagResource",
//	  "secretsmanager:DeleteSecret"], "Resource": "arn:aws:secretsmanager:*:{account}:secret:*"}
//
// (TagResource because CreateSecret with tags needs it too.)
package awssm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
)

// DefaultMaxSecrets bounds one region's inventory.
const DefaultMaxSecrets = 20000

// Config says which account and regions to plant into and how.
type Config struct {
	// Account is the 12-digit account id the credentials act in.
	Account string
	// Regions are the regions to plant into (us-east-1, ...).
	Regions []string
	// PrincipalARN is the credentials' principal as CloudTrail's
	// userIdentity.arn names it: arn:aws:iam::{account}:user/{name}, or
	// arn:aws:sts::{account}:assumed-role/{role}/{session}.
	PrincipalARN string
	// AccessKeyID, SecretAccessKey and SessionToken are static
	// credentials; empty means the SDK's default chain (environment,
	// shared files, SSO, instance roles).
	AccessKeyID, SecretAccessKey, SessionToken string
	// Endpoint overrides Secrets Manager's endpoint (an emulator, a VPC
	// endpoint); "" means AWS's.
	Endpoint string
	// CACert is the PEM of an extra CA to trust; nil means the system's.
	CACert []byte
	// HTTPClient, when set, carries every request.
	HTTPClient *http.Client
	// MaxSecrets bounds one region's inventory; 0 means DefaultMaxSecrets.
	MaxSecrets int
}

// Provider plants into one account's Secrets Manager. It is safe for
// concurrent use.
type Provider struct {
	account    string
	planter    secretstore.Planter
	clients    map[string]*sm.Client // by region
	maxSecrets int
}

var _ secretstore.Provider = (*Provider)(nil)

// New checks cfg and builds a client per region. It sends nothing.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if !registry.ValidAWSAccount(cfg.Account) {
		return nil, fmt.Errorf("awssm: account %q: want a 12-digit account id", cfg.Account)
	}
	if len(cfg.Regions) == 0 {
		return nil, errors.New("awssm: no regions")
	}
	if !validPrincipal(cfg.PrincipalARN, cfg.Account) {
		return nil, fmt.Errorf("awssm: principal %q: want the ARN CloudTrail names the credentials by (arn:aws:iam::%s:user/NAME or arn:aws:sts::%s:assumed-role/ROLE/SESSION)", cfg.PrincipalARN, cfg.Account, cfg.Account)
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, errors.New("awssm: an access key id needs its secret access key, and the other way round")
	}
	p := &Provider{account: cfg.Account, clients: map[string]*sm.Client{}, maxSecrets: cmpOr(cfg.MaxSecrets, DefaultMaxSecrets),
		planter: secretstore.Planter{Identity: cfg.PrincipalARN, Display: "aws:" + cfg.PrincipalARN[strings.LastIndexByte(cfg.PrincipalARN, ':')+1:]}}
	for _, region := range cfg.Regions {
		if !registry.ValidAWSRegion(region) {
			return nil, fmt.Errorf("awssm: region %q: want one like us-east-1", region)
		}
		opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
		if cfg.AccessKeyID != "" {
			opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)),
				// Static keys: shared files must not add a profile's settings.
				config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
		}
		if cfg.CACert != nil {
			opts = append(opts, config.WithCustomCABundle(bytes.NewReader(cfg.CACert)))
		}
		if cfg.HTTPClient != nil {
			opts = append(opts, config.WithHTTPClient(cfg.HTTPClient))
		}
		ac, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("awssm: %w", err)
		}
		p.clients[region] = sm.NewFromConfig(ac, func(o *sm.Options) {
			if cfg.Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.Endpoint)
			}
		})
	}
	return p, nil
}

func validPrincipal(arn, account string) bool {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[1] == "" || p[4] != account {
		return false
	}
	switch {
	case p[2] == "iam" && (strings.HasPrefix(p[5], "user/") || strings.HasPrefix(p[5], "role/") || p[5] == "root"):
		return true
	case p[2] == "sts" && strings.HasPrefix(p[5], "assumed-role/") && strings.Count(p[5], "/") == 2:
		return true
	}
	return false
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

// Kind is registry.AWSSecretsManager.
func (p *Provider) Kind() registry.Provider { return registry.AWSSecretsManager }

// CreateOperations is CloudTrail's event name of the create (its tags
// come with it).
func (p *Provider) CreateOperations() []string { return []string{"CreateSecret"} }

// DeleteOperations is that of the delete.
func (p *Provider) DeleteOperations() []string { return []string{"DeleteSecret"} }

// Planter is the configured principal.
func (p *Provider) Planter(context.Context) (secretstore.Planter, error) { return p.planter, nil }

// Stores is one store per configured region.
func (p *Provider) Stores(context.Context) ([]secretstore.Store, error) {
	var out []secretstore.Store
	for region := range p.clients {
		id := registry.SecretsManagerID(region, p.account)
		out = append(out, secretstore.Store{ID: id, Name: p.account + "/" + region})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// client is the store's region's client.
func (p *Provider) client(storeID string) (*sm.Client, error) {
	sid, err := registry.ParseStoreID(storeID)
	if err != nil {
		return nil, err
	}
	c, ok := p.clients[sid.Region]
	if sid.Provider != registry.AWSSecretsManager || sid.Group != p.account || !ok {
		return nil, fmt.Errorf("awssm: store %q is not one of account %s's configured regions", storeID, p.account)
	}
	return c, nil
}

// Inventory lists every secret of the region by ListSecrets; listOnly
// changes nothing, as the list itself names no secret.
func (p *Provider) Inventory(ctx context.Context, storeID string, _ func(string) bool) ([]secretstore.Secret, error) {
	return p.list(ctx, storeID, nil, p.maxSecrets)
}

func (p *Provider) list(ctx context.Context, storeID string, filters []types.Filter, limit int) ([]secretstore.Secret, error) {
	c, err := p.client(storeID)
	if err != nil {
		return nil, err
	}
	var out []secretstore.Secret
	pages := sm.NewListSecretsPaginator(c, &sm.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true), Filters: filters, MaxResults: aws.Int32(100)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrap("listing secrets", err)
		}
		for _, e := range page.SecretList {
			if len(out) == limit {
				return nil, fmt.Errorf("awssm: store %s holds more than %d secrets (raise the inventory bound)", storeID, limit)
			}
			out = append(out, secretOf(e))
		}
	}
	return out, nil
}

func secretOf(e types.SecretListEntry) secretstore.Secret {
	s := secretstore.Secret{Name: aws.ToString(e.Name), Created: aws.ToTime(e.CreatedDate), Updated: aws.ToTime(e.LastChangedDate), Deleted: e.DeletedDate != nil}
	for _, t := range e.Tags {
		if s.Tags == nil {
			s.Tags = map[string]string{}
		}
		s.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	for v, stages := range e.SecretVersionsToStages {
		for _, st := range stages {
			if st == "AWSCURRENT" {
				s.Version = v
			}
		}
	}
	return s
}

// Create makes the decoy with its tags and its fields as a JSON object.
func (p *Provider) Create(ctx context.Context, storeID, name string, value plant.Fields, tags map[string]string) (secretstore.Created, error) {
	c, err := p.client(storeID)
	if err != nil {
		return secretstore.Created{}, err
	}
	if !registry.AWSSecretsManager.ValidName(name) {
		return secretstore.Created{}, fmt.Errorf("%w: not a Secrets Manager name honeyvault plants", secretstore.ErrInvalid)
	}
	body, err := value.MarshalJSON()
	if err != nil {
		return secretstore.Created{}, err
	}
	in := &sm.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(body))}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	out, err := c.CreateSecret(ctx, in)
	if err != nil {
		return secretstore.Created{}, wrap("creating a decoy", err)
	}
	return secretstore.Created{Version: aws.ToString(out.VersionId), Created: time.Now().UTC().Truncate(time.Second)}, nil
}

// Delete deletes the secret at once, with no recovery window.
func (p *Provider) Delete(ctx context.Context, storeID, name string) error {
	c, err := p.client(storeID)
	if err != nil {
		return err
	}
	if _, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		return wrap("deleting a decoy", err)
	}
	return nil
}

// Exists looks for the name with a filtered ListSecrets.
func (p *Provider) Exists(ctx context.Context, storeID, name string) (bool, error) {
	found, err := p.list(ctx, storeID, []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{name}}}, p.maxSecrets)
	if err != nil {
		return false, err
	}
	for _, s := range found {
		if s.Name == name {
			return true, nil
		}
	}
	return false, nil
}
