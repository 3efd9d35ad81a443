package secretstore

import (
	"context"
	"errors"
	"time"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Store is one store a Provider reaches.
type Store struct {
	// ID is the store id, in its provider's form (registry.ParseStoreID).
	ID string
	// Name is the store's name for people (registry.StoreID.Name).
	Name string
}

// Secret is one secret as a store's list and metadata calls describe it;
// never its value.
type Secret struct {
	Name    string            // its path under the mount, its Secrets Manager name
	Tags    map[string]string // Vault custom_metadata, Secrets Manager tags
	Created time.Time         // zero when unknown
	Updated time.Time
	// Version is the current version (Vault's current_version, Secrets
	// Manager's AWSCURRENT VersionId) when the listing says; "" otherwise.
	Version string
	// Deleted secrets still hold their name: every version of a Vault
	// secret deleted (not destroyed), a Secrets Manager secret scheduled
	// for deletion.
	Deleted bool
}

// Created is what a store answered to a decoy's create.
type Created struct {
	Version string // Vault's version number, Secrets Manager's VersionId
	Created time.Time
}

// Planter is who a Provider's client acts as, as the store's audit
// records name the caller.
type Planter struct {
	// Identity is what the allow rule for the planter's own create
	// matches: a Vault token's entity id (its accessor for a token with no
	// entity), an AWS principal's ARN.
	Identity string
	// Display names the planter for people and the registry's created-by.
	Display string
}

// String is the planter for people: Display, else Identity.
func (p Planter) String() string {
	if p.Display != "" {
		return p.Display
	}
	return p.Identity
}

// Provider is one kind of secret store, as the Deployer needs it. Methods
// are safe for concurrent use; errors of a store's refusal wrap one of
// ErrForbidden, ErrNotFound, ErrConflict, ErrInvalid or ErrThrottled (see
// Definite).
type Provider interface {
	// Kind is the provider of every store id this Provider serves.
	Kind() registry.Provider
	// Stores lists the stores the client reaches.
	Stores(ctx context.Context) ([]Store, error)
	// Inventory lists a store's secrets with their metadata or tags, by
	// list and metadata calls only. listOnly (nil: none) names secrets
	// to list by name only, with no call naming them: honeyvault's own
	// decoys, where a metadata read would be an alert.
	Inventory(ctx context.Context, storeID string, listOnly func(name string) bool) ([]Secret, error)
	// Create writes a new secret. It fails with ErrConflict, creating
	// nothing, when the name is taken.
	Create(ctx context.Context, storeID, name string, value plant.Fields, tags map[string]string) (Created, error)
	// Delete removes a secret for good (Vault: its metadata and every
	// version; Secrets Manager: without a recovery window). ErrNotFound
	// when it is not there.
	Delete(ctx context.Context, storeID, name string) error
	// Exists reports whether a secret is in the store, by a list call.
	Exists(ctx context.Context, storeID, name string) (bool, error)
	// Planter says who the client is.
	Planter(ctx context.Context) (Planter, error)
	// CreateOperations are the operations (as detection names them) of
	// the planter's create of one decoy: its allow rule covers them.
	CreateOperations() []string
	// DeleteOperations are those of Delete, for retire's allow rule.
	DeleteOperations() []string
}

// Errors a Provider wraps when a store refuses a request: nothing changed.
var (
	ErrForbidden = errors.New("secretstore: permission denied")
	ErrNotFound  = errors.New("secretstore: not found")
	ErrConflict  = errors.New("secretstore: already exists")
	ErrInvalid   = errors.New("secretstore: request refused as invalid")
	// ErrThrottled is a request refused for the rate of requests (a
	// Vault rate-limit quota, Secrets Manager's ThrottlingException after
	// the SDK's own retries): nothing changed, and the store's other
	// requests would be refused too.
	ErrThrottled = errors.New("secretstore: throttled")
)

// Definite reports whether err is a store's definite refusal: the request
// changed nothing. Other errors (the network, a 5xx) leave it unknown.
func Definite(err error) bool {
	for _, e := range []error{ErrForbidden, ErrNotFound, ErrConflict, ErrInvalid, ErrThrottled} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
