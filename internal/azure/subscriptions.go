package azure

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Subscription is an Azure subscription the identity can see.
type Subscription struct {
	ID          string // a GUID
	DisplayName string
	TenantID    string
	State       string // Enabled, Disabled, Warned, PastDue, Deleted
}

// subscriptionsAPIVersion is the Resource Manager API version of GET
// /subscriptions. go.mod holds no armsubscriptions module, so the call is
// made through azcore's ARM pipeline (authentication, retries, the
// configured cloud) with a small response type of our own.
const subscriptionsAPIVersion = "2022-12-01"

// Subscriptions lists every subscription the identity can see, in the
// order Resource Manager returns them, following nextLink.
func (c *Client) Subscriptions(ctx context.Context) ([]Subscription, error) {
	cl, err := arm.NewClient("honeyvault/azure", "v0.1.0", c.cred, c.armOptions())
	if err != nil {
		return nil, fmt.Errorf("azure: %w", err)
	}
	next := runtime.JoinPaths(cl.Endpoint(), "/subscriptions") + "?api-version=" + subscriptionsAPIVersion
	var out []Subscription
	for pages := 0; next != "" && pages < 1000; pages++ {
		req, err := runtime.NewRequest(ctx, http.MethodGet, next)
		if err != nil {
			return nil, fmt.Errorf("azure: listing subscriptions: %w", err)
		}
		req.Raw().Header.Set("Accept", "application/json")
		resp, err := cl.Pipeline().Do(req)
		if err != nil {
			return nil, fmt.Errorf("azure: listing subscriptions: %w", err)
		}
		if !runtime.HasStatusCode(resp, http.StatusOK) {
			return nil, fmt.Errorf("azure: listing subscriptions: %w", runtime.NewResponseError(resp))
		}
		var page struct {
			Value []struct {
				SubscriptionID string `json:"subscriptionId"`
				DisplayName    string `json:"displayName"`
				TenantID       string `json:"tenantId"`
				State          string `json:"state"`
			} `json:"value"`
			NextLink string `json:"nextLink"`
		}
		if err := runtime.UnmarshalAsJSON(resp, &page); err != nil {
			return nil, fmt.Errorf("azure: listing subscriptions: %w", err)
		}
		for _, s := range page.Value {
			out = append(out, Subscription{ID: s.SubscriptionID, DisplayName: s.DisplayName, TenantID: s.TenantID, State: s.State})
		}
		next = page.NextLink
	}
	return out, nil
}

// Usable reports whether vaults in the subscription can be listed and
// written: Azure makes disabled and deleted subscriptions read-only.
func (s Subscription) Usable() bool {
	switch strings.ToLower(s.State) {
	case "", "enabled", "warned", "pastdue":
		return true
	}
	return false
}
