package plant

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/rand/v2"

	"golang.org/x/crypto/ssh"
)

// clientSecret has the shape of an Entra ID application secret: three
// characters, a digit, "Q~", then 34 characters.
func clientSecret(rng *rand.Rand) string {
	const tail = alnumChars + "_.~-"
	return randString(rng, alnumChars, 3) + randString(rng, digitChars, 1) + "Q~" + randString(rng, tail, 34)
}

// servicePrincipal is the JSON `az ad sp create-for-rbac --sdk-auth` prints,
// which pipelines keep in vaults as AZURE_CREDENTIALS.
type servicePrincipal struct {
	ClientID                       string `json:"clientId"`
	ClientSecret                   string `json:"clientSecret"`
	SubscriptionID                 string `json:"subscriptionId"`
	TenantID                       string `json:"tenantId"`
	ActiveDirectoryEndpointURL     string `json:"activeDirectoryEndpointUrl"`
	ResourceManagerEndpointURL     string `json:"resourceManagerEndpointUrl"`
	ActiveDirectoryGraphResourceID string `json:"activeDirectoryGraphResourceId"`
	SQLManagementEndpointURL       string `json:"sqlManagementEndpointUrl"`
	GalleryEndpointURL             string `json:"galleryEndpointUrl"`
	ManagementEndpointURL          string `json:"managementEndpointUrl"`
}

func servicePrincipalJSON(rng *rand.Rand, h ValueHints) (string, error) {
	sp := servicePrincipal{
		ClientID:                       uuid4(rng),
		ClientSecret:                   clientSecret(rng),
		SubscriptionID:                 h.SubscriptionID,
		TenantID:                       h.TenantID,
		ActiveDirectoryEndpointURL:     "https://login.microsoftonline.com",
		ResourceManagerEndpointURL:     "https://management.azure.com/",
		ActiveDirectoryGraphResourceID: "https://graph.windows.net/",
		SQLManagementEndpointURL:       "https://management.core.windows.net:8443/",
		GalleryEndpointURL:             "https://gallery.azure.com/",
		ManagementEndpointURL:          "https://management.core.windows.net/",
	}
	if sp.SubscriptionID == "" {
		sp.SubscriptionID = uuid4(rng)
	}
	if sp.TenantID == "" {
		sp.TenantID = uuid4(rng)
	}
	b, err := json.MarshalIndent(sp, "", "  ")
	return string(b), err
}

// privateKeyPEM is a PKCS#8 private key, RSA 2048 or EC P-256. The key
// material always comes from crypto/rand (Go ignores other sources for key
// generation); rng only picks the algorithm.
func privateKeyPEM(rng *rand.Rand) (string, error) {
	var key any
	var err error
	if rng.IntN(2) == 0 {
		key, err = rsa.GenerateKey(crand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	}
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// sshKeyPEM is an OpenSSH ed25519 private key with a deploy-user comment.
func sshKeyPEM(h ValueHints) (string, error) {
	_, priv, err := ed25519.GenerateKey(crand.Reader)
	if err != nil {
		return "", err
	}
	block, err := ssh.MarshalPrivateKey(priv, "deploy@"+h.App)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(block)), nil
}

// apiKey has the shape of the vendor's keys, or a common generic shape.
func apiKey(rng *rand.Rand, vendor string) string {
	const b64url = alnumChars + "_-"
	switch vendor {
	case "stripe":
		return "sk_live_" + randString(rng, alnumChars, 99)
	case "sendgrid":
		return "SG." + randString(rng, b64url, 22) + "." + randString(rng, b64url, 43)
	case "github":
		return "ghp_" + randString(rng, alnumChars, 36)
	case "gitlab":
		return "glpat-" + randString(rng, b64url, 20)
	case "slack":
		return "xoxb-" + randString(rng, digitChars, 13) + "-" + randString(rng, digitChars, 13) + "-" + randString(rng, alnumChars, 24)
	case "openai":
		return "sk-proj-" + randString(rng, b64url, 156)
	case "twilio", "datadog":
		return randString(rng, hexChars, 32)
	case "mailgun":
		return randString(rng, hexChars, 32) + "-" + randString(rng, hexChars, 8) + "-" + randString(rng, hexChars, 8)
	case "aws":
		return randString(rng, alnumChars+"/+", 40)
	case "google":
		return "AIza" + randString(rng, b64url, 35)
	case "npm":
		return "npm_" + randString(rng, alnumChars, 36)
	}
	switch rng.IntN(4) {
	case 0:
		return randString(rng, hexChars, 32)
	case 1:
		return randString(rng, alnumChars, 40)
	case 2:
		return randBase64(rng, 32)
	}
	return base64.RawURLEncoding.EncodeToString(randBytes(rng, 32))
}
