package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// StateFile is the file in the lab directory that tells `honeyvault lab
// attack` (another process) how to reach the running lab. It holds the
// outside identities' client secrets, so it is private to its owner and
// removed when the lab stops.
const StateFile = "lab.json"

// stateVersion changes when the file's meaning does.
const stateVersion = 1

// state is the content of StateFile.
type state struct {
	Version    int             `json:"version"`
	PID        int             `json:"pid"`
	Server     string          `json:"server"`   // honeyvault's URL
	Emulator   string          `json:"emulator"` // the emulator's TLS listener, host:port
	CAFile     string          `json:"ca_file"`  // the emulator's CA certificate (PEM)
	TenantID   string          `json:"tenant_id"`
	Identities []stateIdentity `json:"identities"`
	// Planter is honeyvault's planter, for plant, retire and reconcile
	// --lab in another process.
	Planter *stateIdentity `json:"planter,omitempty"`
	Vaults  []stateVault   `json:"vaults"`
	// Destinations are the ARM ids of where the lab's honeyvault reads
	// audit logs (diagnostics.destinations), for azure connect --lab.
	Destinations []string `json:"destinations,omitempty"`
	// Canaries are where the canary listeners answer; nil in a lab
	// without them.
	Canaries *stateCanaries `json:"canaries,omitempty"`
	// Vault and AWS are the estate beyond Azure (stores.go); nil in a
	// lab without it.
	Vault *stateVaultServer `json:"vault,omitempty"`
	AWS   *stateAWSAccount  `json:"aws,omitempty"`
	// Stores are the Vault mounts and Secrets Manager regions with their
	// decoys.
	Stores []stateStore `json:"stores,omitempty"`
}

// stateVaultServer is the lab's HashiCorp Vault server.
type stateVaultServer struct {
	Address string `json:"address"`
	CAFile  string `json:"ca_file"`
	Cluster string `json:"cluster"`
}

// stateAWSAccount is the lab's AWS account.
type stateAWSAccount struct {
	Endpoint string   `json:"endpoint"`
	CAFile   string   `json:"ca_file"`
	Account  string   `json:"account"`
	Regions  []string `json:"regions"`
}

// stateStore is a Vault mount or a Secrets Manager region with its
// decoys' names (paths under the mount, secret names).
type stateStore struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Mount  string   `json:"mount,omitempty"`  // a Vault mount's path, without the slash
	Region string   `json:"region,omitempty"` // a Secrets Manager region
	Decoys []string `json:"decoys"`
}

// stateAWSCredentials are an assumed-role session's temporary keys.
type stateAWSCredentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	SessionToken    string `json:"session_token"`
	ARN             string `json:"arn"`
}

// stateIdentity is an outside identity and how it signs in.
type stateIdentity struct {
	Name         string `json:"name"`
	About        string `json:"about"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	ObjectID     string `json:"object_id"`
	UPN          string `json:"upn,omitempty"`
	IP           string `json:"ip"`
	// VaultToken and VaultEntity are the identity's token on the lab's
	// Vault server and the entity it belongs to.
	VaultToken  string `json:"vault_token,omitempty"`
	VaultEntity string `json:"vault_entity,omitempty"`
	// AWS is the identity's session of a role in the lab's AWS account.
	AWS *stateAWSCredentials `json:"aws,omitempty"`
}

// stateVault is one vault of the lab with its decoys. The lab's directory
// is the operator's, so it may name them, as the lab's terminal does.
type stateVault struct {
	Name            string       `json:"name"`
	ID              string       `json:"id"`
	URL             string       `json:"url"`
	Subscription    string       `json:"subscription"`
	RBAC            bool         `json:"rbac"`
	OutsidersDenied bool         `json:"outsiders_denied"`
	Decoys          []stateDecoy `json:"decoys"`
}

type stateDecoy struct {
	Name string        `json:"name"`
	Type registry.Type `json:"type"`
	// Canary is the kind of canary the decoy's value carries, "" for none.
	Canary canary.Kind `json:"canary,omitempty"`
}

// caller returns the identity named name ("" for the first).
func (s *state) caller(name string) (stateIdentity, error) {
	if name == "" && len(s.Identities) > 0 {
		return s.Identities[0], nil
	}
	var names []string
	for _, id := range s.Identities {
		if id.Name == name {
			return id, nil
		}
		names = append(names, id.Name)
	}
	return stateIdentity{}, fmt.Errorf("lab: no identity %q: the lab has %v", name, names)
}

// vault returns the vault named name.
func (s *state) vault(name string) (stateVault, error) {
	var names []string
	for _, v := range s.Vaults {
		if strings.EqualFold(v.Name, name) {
			return v, nil
		}
		names = append(names, v.Name)
	}
	return stateVault{}, fmt.Errorf("lab: no vault %q: the lab has %v", name, names)
}

func writeState(dir string, s *state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	// Written whole under another name, then renamed: a reader never sees
	// half a file.
	tmp := filepath.Join(dir, StateFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, StateFile)); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

// readState reads the state of the lab running in dir.
func readState(dir string) (*state, error) {
	path := filepath.Join(dir, StateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lab: no lab is running in %s (no %s): start one with `honeyvault lab`", dir, StateFile)
	}
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("lab: %s: %w", path, err)
	}
	if s.Version != stateVersion {
		return nil, fmt.Errorf("lab: %s is version %d; this honeyvault reads version %d: restart the lab with this binary", path, s.Version, stateVersion)
	}
	if s.Emulator == "" || s.CAFile == "" || len(s.Identities) == 0 {
		return nil, fmt.Errorf("lab: %s is incomplete", path)
	}
	return &s, nil
}
