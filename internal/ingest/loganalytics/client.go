package loganalytics

import (
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/config"
)

// NewClient returns a query client for the cloud c names, authenticating
// with cred, or with Azure identity (DefaultAzureCredential: environment,
// workload identity, managed identity, Azure CLI) when cred is nil. opts
// may be nil; its Cloud, when set, wins over c's.
func NewClient(c config.LogAnalyticsSource, cred azcore.TokenCredential, opts *azlogs.ClientOptions) (*azlogs.Client, error) {
	if opts == nil {
		opts = &azlogs.ClientOptions{}
	}
	if len(opts.Cloud.Services) == 0 {
		switch strings.ToLower(c.Cloud) {
		case "china":
			opts.Cloud = cloud.AzureChina
		case "usgovernment":
			opts.Cloud = cloud.AzureGovernment
		default:
			opts.Cloud = cloud.AzurePublic
		}
	}
	if cred == nil {
		var err error
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: azcore.ClientOptions{Cloud: opts.Cloud}})
		if err != nil {
			return nil, fmt.Errorf("azure identity: %w", err)
		}
	}
	return azlogs.NewClient(cred, opts)
}

// FromConfig maps the configuration to a Config.
func FromConfig(c config.LogAnalyticsSource) Config {
	return Config{Name: c.Name, WorkspaceID: c.WorkspaceID, Table: c.Table, Filter: c.Filter,
		Overlap: time.Duration(c.Overlap), MaxDelay: time.Duration(c.MaxDelay),
		InitialLookback: time.Duration(c.InitialLookback), MaxRows: c.MaxRows}
}
