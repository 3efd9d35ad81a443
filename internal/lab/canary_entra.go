package lab

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/google/uuid"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
)

// plantEntra gives the last vault the outside identities may read and the
// planter may write an Entra ID canary (README "Entra ID canary"): the
// last, so that its use joins no incident of the original test's reads,
// which take the first vaults (a use comes from another address, and the
// incident's sentence names one address only when there is one). An app
// registered with the emulator's token endpoint — its secret works, and
// grants nothing — whose client secret is planted as decoy
// "<app>-reconcile-sp-secret". Its sign-ins are logged to the audit
// destination, which reaches honeyvault like the vaults' records. The
// decoy joins that vault's run. No such vault: nothing is planted.
func (l *Lab) plantEntra(ctx context.Context, d *deploy.Deployer, vaults []azure.Vault, plans []vaultTemplate, runs []*deploy.VaultRun) error {
	var v *azure.Vault
	for _, p := range plans {
		if p.newcomer || p.outsidersDenied || p.noPlanterPolicy && !p.rbac {
			continue
		}
		for i := range vaults {
			if strings.EqualFold(vaults[i].Name, p.name) {
				v = &vaults[i]
			}
		}
	}
	if v == nil {
		return nil
	}
	word, _, _ := strings.Cut(strings.TrimPrefix(strings.ToLower(v.Name), "kv-"), "-")
	app := plant.EntraApp{AppID: uuid.NewString(), TenantID: strings.ToLower(v.TenantID), DisplayName: word + "-reconcile",
		Secret: rand.Text()[:3] + "8Q~" + rand.Text()} // the shape of an Entra ID client secret
	if app.TenantID == "" {
		app.TenantID = kvemu.DefaultTenantID
	}
	if err := l.emu.RegisterApp(kvemu.Identity{ObjectID: uuid.NewString(), AppID: app.AppID, TenantID: app.TenantID}, app.Secret); err != nil {
		return fmt.Errorf("lab: the Entra ID canary's app: %w", err)
	}
	if err := l.emu.RegisterCanaryApp(app.AppID); err != nil {
		return fmt.Errorf("lab: the Entra ID canary's app: %w", err)
	}
	l.emu.SetSignInLogs(auditDestination, "")
	dec, err := d.PlantEntra(ctx, *v, word+"-reconcile-sp-secret", app)
	if err != nil {
		return fmt.Errorf("lab: planting the Entra ID canary into %s: %w", v.Name, err)
	}
	for _, r := range runs {
		if strings.EqualFold(r.Vault.Name, v.Name) {
			r.Planted = append(r.Planted, dec)
		}
	}
	return nil
}

// signInAs uses a stolen service principal's secret as a tool would: the
// az create-for-rbac JSON the value is, handed to azidentity's
// client-secret credential, asked for a Key Vault token — at the lab's
// emulated Entra ID only.
func (a *attacker) signInAs(ctx context.Context, value string) (target, answer string, err error) {
	var sp struct{ AppID, Password, Tenant string }
	if json.Unmarshal([]byte(value), &sp) != nil || sp.AppID == "" || sp.Password == "" {
		return "", "", errors.New("the value is not a service principal's credentials (appId, password, tenant)")
	}
	target = "sign in as app " + sp.AppID + " to tenant " + sp.Tenant
	cred, err := azidentity.NewClientSecretCredential(sp.Tenant, sp.AppID, sp.Password, &azidentity.ClientSecretCredentialOptions{ClientOptions: a.opts})
	if err != nil {
		return target, "", err
	}
	if _, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://vault.azure.net/.default"}}); err != nil {
		if strings.Contains(err.Error(), "AADSTS") {
			return target, "refused: " + err.Error(), nil
		}
		return target, "", err
	}
	return target, "signed in (a service principal with no permissions)", nil
}
