package receivers

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/loganalytics"
)

// Option changes how FromConfig builds channels.
type Option func(*options)

type options struct {
	credential    azcore.TokenCredential
	clientOptions *azcore.ClientOptions
}

// WithAzure makes the channels that call Azure (loganalytics) sign in with
// cred and send with co instead of what their settings say: the lab and
// tests point them at the emulator. A nil argument keeps the settings'.
func WithAzure(cred azcore.TokenCredential, co *azcore.ClientOptions) Option {
	return func(o *options) { o.credential, o.clientOptions = cred, co }
}

// logAnalytics builds a Logs Ingestion channel: its identity from the
// channel's settings (as plant.* signs in), the client secret possibly from
// the environment.
func logAnalytics(c config.Channel, getenv func(string) string, o options) (notify.Notifier, error) {
	co := azcore.ClientOptions{Cloud: cloudOf(c.Cloud)}
	if o.clientOptions != nil {
		co = *o.clientOptions
	}
	cred := o.credential
	if cred == nil {
		secret, err := secret("client_secret", c.ClientSecret, c.ClientSecretEnv, getenv)
		if err != nil {
			return nil, err
		}
		cred, err = azure.NewCredential(azure.IdentitySettings{TenantID: c.TenantID, ClientID: c.ClientID, ClientSecret: secret,
			CertificateFile: c.ClientCertificate, ManagedIdentity: c.ManagedIdentity}, co)
		if err != nil {
			return nil, err
		}
	}
	return loganalytics.New(loganalytics.Config{Endpoint: c.Endpoint, RuleID: c.RuleID, Stream: c.Stream, Credential: cred, ClientOptions: co})
}

func cloudOf(name string) cloud.Configuration {
	switch name {
	case "china":
		return cloud.AzureChina
	case "usgovernment":
		return cloud.AzureGovernment
	}
	return cloud.AzurePublic
}
