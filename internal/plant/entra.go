package plant

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// EntraApp is an Entra ID app registration the operator created with no
// permissions (README "Entra ID canary"), whose client secret becomes a
// decoy's value: a sign-in as the app — with that secret or any other —
// is in Entra ID's sign-in logs with the app id, which names the decoy.
type EntraApp struct {
	AppID       string // the application (client) id: the canary's token
	TenantID    string
	Secret      string // the client secret; planted, never stored nor logged
	DisplayName string // the app's display name, shown in the value as az shows it
}

// Normalize lower-cases the ids, as the registry and sign-in logs compare
// them.
func (a EntraApp) Normalize() EntraApp {
	a.AppID = strings.ToLower(strings.TrimSpace(a.AppID))
	a.TenantID = strings.ToLower(strings.TrimSpace(a.TenantID))
	return a
}

// Validate checks that the app id and tenant id are GUIDs and a secret is
// there (Normalize first).
func (a EntraApp) Validate() error {
	switch {
	case !canary.ValidAppID(a.AppID):
		return errors.New("plant: the Entra ID app id must be a GUID (the application (client) id)")
	case !canary.ValidAppID(a.TenantID):
		return errors.New("plant: the Entra ID tenant id must be a GUID")
	case strings.TrimSpace(a.Secret) == "":
		return errors.New("plant: no client secret for the Entra ID app")
	}
	if w, bad := Giveaway(a.DisplayName); bad {
		return errors.New("plant: the app's display name contains " + `"` + w + `"` + ", which would give the value away")
	}
	return nil
}

// Value is the decoy's value: the JSON `az ad sp create-for-rbac` prints
// and people paste into vaults — everything a sign-in needs, so that a
// thief tries it.
func (a EntraApp) Value() string {
	b, _ := json.Marshal(struct {
		AppID       string `json:"appId"`
		DisplayName string `json:"displayName"`
		Password    string `json:"password"`
		Tenant      string `json:"tenant"`
	}{a.AppID, a.DisplayName, a.Secret, a.TenantID})
	return string(b)
}
