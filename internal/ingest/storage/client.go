package storage

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/honeyvault/honeyvault/internal/config"
)

// NewClient connects to the account c names, with the first credential c
// gives: a connection string; an account key; a SAS in the account URL;
// else Azure identity (DefaultAzureCredential: environment, workload
// identity, managed identity, Azure CLI). opts may be nil.
func NewClient(c config.StorageSource, opts *azblob.ClientOptions) (*azblob.Client, error) {
	switch {
	case c.ConnectionString != "":
		cl, err := azblob.NewClientFromConnectionString(c.ConnectionString, opts)
		if err != nil {
			// The SDK's message may quote the string; the key must not be logged.
			return nil, errors.New("connection_string: not a storage connection string (DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…)")
		}
		return cl, nil
	case c.AccountKey != "":
		name, err := accountName(c.AccountURL)
		if err != nil {
			return nil, err
		}
		cred, err := azblob.NewSharedKeyCredential(name, c.AccountKey)
		if err != nil {
			return nil, errors.New("account_key: not a base64 storage account key")
		}
		return azblob.NewClientWithSharedKeyCredential(c.AccountURL, cred, opts)
	case strings.Contains(c.AccountURL, "sig="):
		return azblob.NewClientWithNoCredential(c.AccountURL, opts)
	}
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, fmt.Errorf("azure identity: %w", err)
	}
	return azblob.NewClient(c.AccountURL, cred, opts)
}

// accountName is the account an endpoint URL names: the first label of
// ACCOUNT.blob.core.windows.net, or the first path segment of an emulator's
// http://127.0.0.1:10000/ACCOUNT.
func accountName(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("account_url: %q is not a URL", endpoint)
	}
	host := u.Hostname()
	if i := strings.IndexByte(host, '.'); i > 0 && !isIP(host) {
		return host[:i], nil
	}
	if seg := strings.Trim(u.Path, "/"); seg != "" {
		return strings.SplitN(seg, "/", 2)[0], nil
	}
	return "", fmt.Errorf("account_url: no account name in %q", endpoint)
}

func isIP(host string) bool {
	return strings.Trim(host, "0123456789.") == "" || strings.Contains(host, ":")
}

// FromConfig maps the configuration to a Config.
func FromConfig(c config.StorageSource) Config {
	return Config{Name: c.Name, Container: c.Container, Prefix: c.Prefix,
		Settle: time.Duration(c.Settle), MaxAge: time.Duration(c.MaxAge)}
}
