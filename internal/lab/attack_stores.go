package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	vaultapi "github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Operations of the reads beyond Azure, as honeyvault's alerts name them:
// Vault's audit operation behind the "vault:" prefix, CloudTrail's
// eventName.
const (
	opVaultRead      = "vault:read"
	opGetSecretValue = "GetSecretValue"
)

// The Vault client's bounds: a lab on loopback answers at once, a loaded
// machine within seconds.
const (
	vaultReadTimeout = 30 * time.Second
	vaultReadRetries = 2
)

// storeTarget is a decoy in a Vault mount or a Secrets Manager region.
type storeTarget struct {
	store stateStore
	name  string
}

// storeTargets picks the first Vault decoy and the first Secrets Manager
// decoy the lab planted, in that order.
func storeTargets(st *state) (vaultT, awsT *storeTarget) {
	for _, s := range st.Stores {
		if len(s.Decoys) == 0 {
			continue
		}
		t := &storeTarget{store: s, name: s.Decoys[0]}
		switch {
		case s.Mount != "" && vaultT == nil:
			vaultT = t
		case s.Region != "" && awsT == nil:
			awsT = t
		}
	}
	return vaultT, awsT
}

// storeAccess is an access as show prints it, in a store rather than a
// Key Vault.
func storeAccess(t storeTarget, op string) access {
	return access{Vault: stateVault{Name: t.store.Name, ID: t.store.ID}, Operation: op, Name: t.name, Decoy: true}
}

// readVaultDecoy reads a Vault decoy's current version as the identity,
// with the official client's KV v2 helper (GET {mount}/data/{path}).
// Only the number of fields is kept.
func (a *attacker) readVaultDecoy(ctx context.Context, st *state, t storeTarget) access {
	acc := storeAccess(t, opVaultRead)
	err := func() error {
		if st.Vault == nil || a.id.VaultToken == "" {
			return errors.New("this lab has no Vault server")
		}
		cfg := vaultapi.DefaultConfig()
		cfg.Address, cfg.MaxRetries, cfg.Timeout = st.Vault.Address, vaultReadRetries, vaultReadTimeout
		if err := cfg.ConfigureTLS(&vaultapi.TLSConfig{CACert: st.Vault.CAFile}); err != nil {
			return err
		}
		c, err := vaultapi.NewClient(cfg)
		if err != nil {
			return err
		}
		// The user's VAULT_* environment has no say in the lab.
		c.ClearNamespace()
		c.SetToken(a.id.VaultToken)
		s, err := c.KVv2(t.store.Mount).Get(ctx, t.name)
		if err != nil {
			return err
		}
		acc.Detail = fmt.Sprintf("version %d, %d fields", s.VersionMetadata.Version, len(s.Data))
		return nil
	}()
	acc = acc.done(err)
	var re *vaultapi.ResponseError
	if errors.As(err, &re) {
		acc.Status = re.StatusCode
	}
	return acc
}

// getSecretValue reads a Secrets Manager decoy's value as the identity's
// role session, with aws-sdk-go-v2. Only its length is kept.
func (a *attacker) getSecretValue(ctx context.Context, st *state, t storeTarget) access {
	acc := storeAccess(t, opGetSecretValue)
	err := func() error {
		if st.AWS == nil || a.id.AWS == nil {
			return errors.New("this lab has no AWS account")
		}
		ca, err := os.ReadFile(st.AWS.CAFile)
		if err != nil {
			return fmt.Errorf("the AWS emulator's CA: %w", err)
		}
		creds := awsemu.Credentials{AccessKeyID: a.id.AWS.AccessKeyID, SecretAccessKey: a.id.AWS.SecretAccessKey, SessionToken: a.id.AWS.SessionToken}
		c, err := secretsManagerClient(ctx, st.AWS.Endpoint, ca, t.store.Region, creds)
		if err != nil {
			return err
		}
		out, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(t.name)})
		if err != nil {
			return err
		}
		acc.Detail = fmt.Sprintf("value of %d characters", len(aws.ToString(out.SecretString)))
		return nil
	}()
	acc = acc.done(err)
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		acc.Status = re.HTTPStatusCode()
	}
	return acc
}

// storeCaller is how honeyvault's alert names the identity in t's store:
// a Vault token's entity, a role session's ARN.
func (a *attacker) storeCaller(t storeTarget) string {
	if t.store.Mount != "" {
		return a.id.VaultEntity
	}
	if a.id.AWS != nil {
		return a.id.AWS.ARN
	}
	return ""
}

// storeDecoyType is the type of every decoy outside Key Vault: Vault and
// Secrets Manager hold secrets only.
const storeDecoyType = registry.Secret

// readStores makes selftest's reads beyond Azure, as lab attack's step 6:
// a Vault decoy read (vault:read) and a Secrets Manager decoy's
// GetSecretValue, each a check whose alert must name the identity's
// Vault entity or role session ARN and the store.
func (r *Report) readStores(ctx context.Context, a *attacker, st *state) []*pendingCheck {
	vt, at := storeTargets(st)
	var out []*pendingCheck
	for _, m := range []struct {
		t    *storeTarget
		op   string
		read func(context.Context, *state, storeTarget) access
		none string
	}{
		{vt, opVaultRead, a.readVaultDecoy, "no decoy in the lab's Vault server to read"},
		{at, opGetSecretValue, a.getSecretValue, "no decoy in the lab's AWS Secrets Manager to read"},
	} {
		if m.t == nil {
			r.problem("%s", m.none)
			continue
		}
		acc := m.read(ctx, st, *m.t)
		caller := a.storeCaller(*m.t)
		c := Check{Operation: m.op, Token: m.t.name, Vault: m.t.store.Name, Caller: caller, tokenType: storeDecoyType}
		if acc.Err != nil {
			r.problem("%s of secret %s in %s did not succeed: %s", m.op, m.t.name, m.t.store.Name, acc.outcome())
		}
		out = append(out, &pendingCheck{Check: c, vaultID: m.t.store.ID, callerID: caller, at: acc.At, accessOK: acc.Err == nil})
	}
	return out
}
