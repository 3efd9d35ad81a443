package web

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/config"
)

// plantingRow is one planting setting: its effective value and where it is
// set.
type plantingRow struct {
	Label, Value, Key, Env string
	Default                bool // the value is honeyvault's default
}

// plantingRows lists the planting settings a person decides on, never a
// secret: the client secret and the value hash key show only whether they
// are set.
func plantingRows(p config.Plant) []plantingRow {
	d := config.DefaultPlant()
	list := func(v []string, empty string) string {
		if len(v) == 0 {
			return empty
		}
		return strings.Join(v, ", ")
	}
	orElse := func(v, empty string) string {
		if v == "" {
			return empty
		}
		return v
	}
	set := func(v string) string {
		if v == "" {
			return "not set"
		}
		return "set"
	}
	rows := []plantingRow{
		{"Decoy types", list(p.Types, "—"), "plant.types", "", reflect.DeepEqual(p.Types, d.Types)},
		{"Secret keywords", list(p.SecretKeywords, "honeyvault's built-in words"), "plant.secret_keywords", "", len(p.SecretKeywords) == 0},
		{"Key keywords", list(p.KeyKeywords, "honeyvault's built-in words"), "plant.key_keywords", "", len(p.KeyKeywords) == 0},
		{"Certificate keywords", list(p.CertificateKeywords, "honeyvault's built-in words"), "plant.certificate_keywords", "", len(p.CertificateKeywords) == 0},
		{"Probability of each additional decoy", strconv.FormatFloat(p.Probability, 'f', -1, 64), "plant.probability", "", p.Probability == d.Probability},
		{"Most decoys of one type per vault", strconv.Itoa(p.Max), "plant.max", "", p.Max == d.Max},
		{"Subscriptions", list(p.Subscriptions, "every subscription honeyvault's identity can see"), "plant.subscriptions", "", len(p.Subscriptions) == 0},
		{"Identity", identityKind(p), "plant.managed_identity, plant.client_id, plant.client_certificate, plant.client_secret", "", false},
		{"Tenant", orElse(p.TenantID, "the credential's own"), "plant.tenant_id", "", p.TenantID == ""},
		{"Azure cloud", p.Cloud, "plant.cloud", "", p.Cloud == d.Cloud},
		{"Certificate subjects' domain", orElse(p.DNSSuffix, "APP.internal"), "plant.dns_suffix", "", p.DNSSuffix == ""},
		{"Vaults worked on at once", strconv.Itoa(p.Concurrency), "plant.concurrency", "", p.Concurrency == d.Concurrency},
		{"Share of Key Vault's rate limits used", strconv.FormatFloat(p.RateHeadroom, 'f', -1, 64), "plant.rate_headroom", "", p.RateHeadroom == d.RateHeadroom},
		{"Longest throttling wait", p.MaxThrottleWait.String(), "plant.max_throttle_wait", "", p.MaxThrottleWait == d.MaxThrottleWait},
		{"Temporary access-policy grant", strconv.FormatBool(p.GrantTemporary), "plant.grant_temporary", "", p.GrantTemporary == d.GrantTemporary},
		{"Auto-planting (no person confirms)", strconv.FormatBool(p.Auto), "plant.auto", "", p.Auto == d.Auto},
		{"Value hash key", set(p.ValueHashKey), "plant.value_hash_key", "", p.ValueHashKey == ""},
	}
	env := make(map[string]string)
	for _, s := range config.Settings {
		env[s.Key] = s.Env
	}
	for i := range rows {
		var envs []string
		for _, k := range strings.Split(rows[i].Key, ", ") {
			if e := env[k]; e != "" {
				envs = append(envs, e)
			}
		}
		rows[i].Env = strings.Join(envs, ", ")
	}
	return rows
}

// identityKind says how honeyvault signs in to Azure, never with what.
func identityKind(p config.Plant) string {
	switch {
	case p.ManagedIdentity && p.ClientID != "":
		return "user-assigned managed identity " + p.ClientID
	case p.ManagedIdentity:
		return "the host's managed identity"
	case p.ClientCertificate != "":
		return "service principal " + p.ClientID + " with a certificate"
	case p.ClientSecret != "":
		return "service principal " + p.ClientID + " with a client secret"
	}
	return "Azure's default credential chain (environment, workload identity, Azure CLI)"
}

// settingsPlanting is GET /settings/planting: read-only, because the
// configuration (file, environment, flags) is where planting settings live
// and honeyvault plant reads them there too; an editor here would fork them.
func (h *handler) settingsPlanting(w http.ResponseWriter, r *http.Request) {
	var rows []plantingRow
	if h.settings.Plant != nil {
		rows = plantingRows(*h.settings.Plant)
	}
	h.render(w, r, http.StatusOK, "settings_planting", "Planting", struct{ Rows []plantingRow }{rows})
}
