package lab

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// attacker is an outside identity reaching the lab's emulator from any
// process, the way a stolen credential would be used: it signs in with a
// client secret at the (emulated) Entra ID and calls the vaults with the
// unchanged Azure SDK. Only the emulator's host names are reachable.
type attacker struct {
	id        stateIdentity
	cred      azcore.TokenCredential
	transport *http.Transport
	opts      azcore.ClientOptions

	// One client per vault and API, as a tool would keep them: each
	// client's first request is the SDK's unauthenticated challenge, which
	// the vault logs too (a 401 with no identity).
	secretClients map[string]*azsecrets.Client
	keyClients    map[string]*azkeys.Client
	// arm is the Resource Manager client of the cover-tracks move; nil
	// until its first request.
	arm *arm.Client
}

func newAttacker(st *state, as string) (*attacker, error) {
	id, err := st.caller(as)
	if err != nil {
		return nil, err
	}
	tr, err := emulatorTransport(st)
	if err != nil {
		return nil, err
	}
	a := &attacker{id: id, transport: tr, secretClients: map[string]*azsecrets.Client{}, keyClients: map[string]*azkeys.Client{}}
	a.opts = azcore.ClientOptions{
		Transport: &http.Client{Transport: tr},
		Cloud:     cloud.AzurePublic,
		Retry:     policy.RetryOptions{MaxRetries: 2, RetryDelay: 50 * time.Millisecond, MaxRetryDelay: time.Second},
	}
	a.cred, err = azidentity.NewClientSecretCredential(st.TenantID, id.ClientID, id.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: a.opts})
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	return a, nil
}

// emulatorTransport reaches the running lab's emulator from any process:
// every Azure host name the SDK uses goes to the emulator's listener, over
// TLS with the emulator's CA; any other fails as if it did not resolve, so
// the lab never leaves the machine.
func emulatorTransport(st *state) (*http.Transport, error) {
	pem, err := os.ReadFile(st.CAFile)
	if err != nil {
		return nil, fmt.Errorf("lab: the emulator's CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("lab: %s holds no certificate", st.CAFile)
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(hostport)
			if err != nil {
				host = hostport
			}
			if !emulated(host) {
				return nil, &net.DNSError{Err: "no such host (the lab reaches only the emulator)", Name: host, IsNotFound: true}
			}
			conn, err := d.DialContext(ctx, "tcp", st.Emulator)
			if err != nil {
				return nil, fmt.Errorf("the lab's emulator at %s does not answer (is the lab still running?): %w", st.Emulator, err)
			}
			return conn, nil
		},
		TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
		IdleConnTimeout:   30 * time.Second,
	}, nil
}

func emulated(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return strings.HasSuffix(host, ".vault.azure.net") || host == "login.microsoftonline.com" || host == "management.azure.com"
}

func (a *attacker) close() { a.transport.CloseIdleConnections() }

// who names the identity for people.
func (a *attacker) who() string {
	return cmp.Or(a.id.UPN, a.id.ObjectID)
}

// access is one request the attacker made and what the vault answered.
type access struct {
	Vault     stateVault
	Operation string // as the audit log names it: KeyGet, SecretGet, SecretList
	Name      string // "" for a list
	Decoy     bool
	Status    int       // HTTP status; 0 when no answer came
	At        time.Time // when the answer came
	Detail    string    // what came back, without any secret value
	Err       error
}

func (a *attacker) secrets(v stateVault) (*azsecrets.Client, error) {
	if c, ok := a.secretClients[v.URL]; ok {
		return c, nil
	}
	c, err := azsecrets.NewClient(v.URL, a.cred, &azsecrets.ClientOptions{ClientOptions: a.opts})
	if err == nil {
		a.secretClients[v.URL] = c
	}
	return c, err
}

func (a *attacker) keys(v stateVault) (*azkeys.Client, error) {
	if c, ok := a.keyClients[v.URL]; ok {
		return c, nil
	}
	c, err := azkeys.NewClient(v.URL, a.cred, &azkeys.ClientOptions{ClientOptions: a.opts})
	if err == nil {
		a.keyClients[v.URL] = c
	}
	return c, err
}

// getKey downloads a key's public part (KeyGet), as the original's test does.
func (a *attacker) getKey(ctx context.Context, v stateVault, name string) access {
	acc := access{Vault: v, Operation: "KeyGet", Name: name, Decoy: v.isDecoy(registry.Key, name)}
	c, err := a.keys(v)
	if err == nil {
		var resp azkeys.GetKeyResponse
		resp, err = c.GetKey(ctx, name, "", nil)
		if err == nil && resp.Key != nil && resp.Key.Kty != nil {
			acc.Detail = "public key " + string(*resp.Key.Kty)
			if n := len(resp.Key.N); n > 0 {
				acc.Detail += fmt.Sprintf(" %d bits", n*8)
			}
		}
	}
	return acc.done(err)
}

// getSecret reads a secret's value (SecretGet). Only its length is kept.
func (a *attacker) getSecret(ctx context.Context, v stateVault, name string) access {
	_, acc := a.readSecret(ctx, v, name)
	return acc
}

// readSecret reads a secret's value (SecretGet) and returns it: what an
// intruder takes away. The access keeps only its length.
func (a *attacker) readSecret(ctx context.Context, v stateVault, name string) (string, access) {
	acc := access{Vault: v, Operation: "SecretGet", Name: name, Decoy: v.isDecoy(registry.Secret, name)}
	var value string
	c, err := a.secrets(v)
	if err == nil {
		var resp azsecrets.GetSecretResponse
		resp, err = c.GetSecret(ctx, name, "", nil)
		if err == nil && resp.Value != nil {
			value = *resp.Value
			acc.Detail = fmt.Sprintf("value of %d characters", len(value))
			if resp.ContentType != nil && *resp.ContentType != "" {
				acc.Detail += ", " + *resp.ContentType
			}
		}
	}
	return value, acc.done(err)
}

// listSecrets lists a vault's secrets (SecretList: names, no values).
func (a *attacker) listSecrets(ctx context.Context, v stateVault) ([]string, access) {
	acc := access{Vault: v, Operation: "SecretList"}
	c, err := a.secrets(v)
	var names []string
	if err == nil {
		pager := c.NewListSecretPropertiesPager(nil)
		for pager.More() && err == nil {
			var page azsecrets.ListSecretPropertiesResponse
			if page, err = pager.NextPage(ctx); err != nil {
				break
			}
			for _, s := range page.Value {
				if s.ID == nil || (s.Managed != nil && *s.Managed) {
					continue
				}
				names = append(names, s.ID.Name())
			}
		}
	}
	if err == nil {
		acc.Detail = fmt.Sprintf("%d secrets", len(names))
	}
	return names, acc.done(err)
}

// done records the answer: its status and time.
func (acc access) done(err error) access {
	acc.At = time.Now()
	acc.Err = err
	switch {
	case err == nil:
		acc.Status = http.StatusOK
	default:
		acc.Status = azure.StatusCode(err)
	}
	return acc
}

// outcome says in a few words how the request went.
func (acc access) outcome() string {
	switch {
	case acc.Err == nil:
		return fmt.Sprintf("%d OK (%s)", acc.Status, acc.Detail)
	case acc.Status != 0:
		return fmt.Sprintf("%d %s", acc.Status, http.StatusText(acc.Status))
	}
	return "failed: " + acc.Err.Error()
}

func (v stateVault) isDecoy(t registry.Type, name string) bool {
	for _, d := range v.Decoys {
		if d.Type == t && strings.EqualFold(d.Name, name) {
			return true
		}
	}
	return false
}

// decoy returns the vault's first decoy of type t.
func (v stateVault) decoy(t registry.Type) (string, bool) {
	for _, d := range v.Decoys {
		if d.Type == t {
			return d.Name, true
		}
	}
	return "", false
}
