package kvemu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
)

// The emulator also plays Microsoft Entra ID's token endpoint for
// applications registered with RegisterApp, so code that builds its own
// credential (azidentity.NewClientSecretCredential with the emulator's
// transport and cloud) gets emulator tokens through the real MSAL flow:
//
//	GET  https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration
//	GET  https://login.microsoftonline.com/common/discovery/instance
//	POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token   (grant_type=client_credentials)

// apps holds registered client credentials, by lower-case app id. Only a
// hash of each secret is kept.
type apps struct {
	mu   sync.RWMutex
	byID map[string]registeredApp
}

type registeredApp struct {
	id     Identity
	secret [32]byte // SHA-256 of the client secret
}

// RegisterApp lets the application id.AppID sign in at the emulated token
// endpoint with clientSecret; its tokens name id.
func (e *Emulator) RegisterApp(id Identity, clientSecret string) error {
	if err := id.Validate(); err != nil {
		return err
	}
	if len(clientSecret) < 8 {
		return errors.New("kvemu: a client secret needs at least 8 characters")
	}
	e.apps.mu.Lock()
	defer e.apps.mu.Unlock()
	if e.apps.byID == nil {
		e.apps.byID = map[string]registeredApp{}
	}
	e.apps.byID[strings.ToLower(id.AppID)] = registeredApp{id: id, secret: sha256.Sum256([]byte(clientSecret))}
	return nil
}

type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes,omitempty"`
}

func writeLoginJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, b)
}

// serveLogin serves the Entra ID endpoints MSAL calls.
func (e *Emulator) serveLogin(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	const host = "https://login.microsoftonline.com/"
	switch {
	case len(segs) == 3 && segs[0] == "common" && segs[1] == "discovery" && segs[2] == "instance" && r.Method == http.MethodGet:
		writeLoginJSON(w, http.StatusOK, map[string]any{
			"tenant_discovery_endpoint": host + "common/v2.0/.well-known/openid-configuration",
			"api-version":               "1.1",
			"metadata": []map[string]any{{
				"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
				"aliases": []string{"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"},
			}},
		})
	case len(segs) == 4 && segs[1] == "v2.0" && segs[2] == ".well-known" && segs[3] == "openid-configuration" && r.Method == http.MethodGet:
		t := segs[0]
		writeLoginJSON(w, http.StatusOK, map[string]any{
			"issuer":                                host + t + "/v2.0",
			"authorization_endpoint":                host + t + "/oauth2/v2.0/authorize",
			"token_endpoint":                        host + t + "/oauth2/v2.0/token",
			"jwks_uri":                              host + t + "/discovery/v2.0/keys",
			"response_types_supported":              []string{"code", "id_token", "token"},
			"subject_types_supported":               []string{"pairwise"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"tenant_region_scope":                   "EU",
		})
	case len(segs) == 4 && segs[1] == "oauth2" && segs[2] == "v2.0" && segs[3] == "token" && r.Method == http.MethodPost:
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		e.issueToken(sw, r, segs[0])
		e.logSignIn(r, segs[0], sw.status) // signin.go: a canary app's sign-ins are logged
	default:
		writeLoginJSON(w, http.StatusNotFound, tokenError{Error: "not_found", Description: "The emulator serves only client-credential sign-in."})
	}
}

// issueToken answers a client-credentials token request.
func (e *Emulator) issueToken(w http.ResponseWriter, r *http.Request, tenant string) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeLoginJSON(w, http.StatusBadRequest, tokenError{Error: "invalid_request", Description: "AADSTS900144: The request body must be a form."})
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		writeLoginJSON(w, http.StatusBadRequest, tokenError{Error: "unsupported_grant_type", Description: "AADSTS70003: The emulator supports only client_credentials."})
		return
	}
	e.apps.mu.RLock()
	app, ok := e.apps.byID[strings.ToLower(r.PostForm.Get("client_id"))]
	e.apps.mu.RUnlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("client_secret")))
	if !ok || subtle.ConstantTimeCompare(sum[:], app.secret[:]) != 1 {
		writeLoginJSON(w, http.StatusUnauthorized, tokenError{Error: "invalid_client", Description: "AADSTS7000215: Invalid client secret provided.", Codes: []int{7000215}})
		return
	}
	id := app.id
	switch {
	case id.TenantID == "" && (tenant == "organizations" || tenant == "common"):
	case id.TenantID == "":
		id.TenantID = tenant
	case !strings.EqualFold(id.TenantID, tenant) && tenant != "organizations" && tenant != "common":
		writeLoginJSON(w, http.StatusBadRequest, tokenError{Error: "unauthorized_client", Description: "AADSTS700016: Application not found in the directory " + tenant + ".", Codes: []int{700016}})
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	var resource string
	for _, s := range scopes {
		if strings.HasSuffix(s, "/.default") {
			resource = s
		}
	}
	if resource == "" {
		writeLoginJSON(w, http.StatusBadRequest, tokenError{Error: "invalid_scope", Description: "AADSTS1002012: The client-credentials flow needs a {resource}/.default scope."})
		return
	}
	tok, err := e.Token(id, audienceFromScope(resource))
	if err != nil {
		writeLoginJSON(w, http.StatusInternalServerError, tokenError{Error: "server_error", Description: err.Error()})
		return
	}
	writeLoginJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": int(tokenLifetime.Seconds()), "ext_expires_in": int(tokenLifetime.Seconds()), "access_token": tok,
	})
}
