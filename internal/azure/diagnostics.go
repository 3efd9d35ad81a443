package azure

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/honeyvault/honeyvault/internal/auditpath"
)

// diagnosticsAPIVersion is the Microsoft.Insights API version of the
// diagnostic-settings list. go.mod holds no armmonitor module, so the call
// goes through azcore's ARM pipeline, as Subscriptions does.
const diagnosticsAPIVersion = "2021-05-01-preview"

// DiagnosticSettings lists the diagnostic settings of a vault (GET
// {vault id}/providers/Microsoft.Insights/diagnosticSettings). It needs
// Microsoft.Insights/diagnosticSettings/read on the vault (Monitoring
// Reader or Reader); without it the error is a 403 (IsForbidden).
func (c *Client) DiagnosticSettings(ctx context.Context, vaultID string) ([]auditpath.Setting, error) {
	if _, _, _, err := ParseVaultID(vaultID); err != nil {
		return nil, err
	}
	cl, err := arm.NewClient("honeyvault/azure", "v0.1.0", c.cred, c.armOptions())
	if err != nil {
		return nil, fmt.Errorf("azure: %w", err)
	}
	path := strings.TrimRight(vaultID, "/") + "/providers/Microsoft.Insights/diagnosticSettings"
	req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(cl.Endpoint(), path))
	if err != nil {
		return nil, fmt.Errorf("azure: diagnostic settings: %w", err)
	}
	req.Raw().URL.RawQuery = "api-version=" + diagnosticsAPIVersion
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := cl.Pipeline().Do(req)
	if err != nil {
		return nil, fmt.Errorf("azure: diagnostic settings: %w", err)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return nil, fmt.Errorf("azure: diagnostic settings: %w", runtime.NewResponseError(resp))
	}
	var page struct {
		Value []struct {
			Name       string `json:"name"`
			Properties struct {
				StorageAccountID            string `json:"storageAccountId"`
				EventHubAuthorizationRuleID string `json:"eventHubAuthorizationRuleId"`
				EventHubName                string `json:"eventHubName"`
				WorkspaceID                 string `json:"workspaceId"`
				MarketplacePartnerID        string `json:"marketplacePartnerId"`
				Logs                        []struct {
					Category      string `json:"category"`
					CategoryGroup string `json:"categoryGroup"`
					Enabled       bool   `json:"enabled"`
				} `json:"logs"`
			} `json:"properties"`
		} `json:"value"`
	}
	if err := runtime.UnmarshalAsJSON(resp, &page); err != nil {
		return nil, fmt.Errorf("azure: diagnostic settings: %w", err)
	}
	out := make([]auditpath.Setting, 0, len(page.Value))
	for _, v := range page.Value {
		p := v.Properties
		s := auditpath.Setting{Name: v.Name, StorageAccountID: p.StorageAccountID, EventHubAuthorizationRuleID: p.EventHubAuthorizationRuleID,
			EventHubName: p.EventHubName, WorkspaceID: p.WorkspaceID, MarketplacePartnerID: p.MarketplacePartnerID}
		for _, l := range p.Logs {
			s.Logs = append(s.Logs, auditpath.Log{Category: l.Category, CategoryGroup: l.CategoryGroup, Enabled: l.Enabled})
		}
		out = append(out, s)
	}
	return out, nil
}

// PutDiagnosticSetting creates or replaces the diagnostic setting s.Name of
// a vault with s's destination and logs (metrics none). Needs
// Microsoft.Insights/diagnosticSettings/write on the vault (Monitoring
// Contributor) and, on the destination, the right to send to it (for an
// Event Hubs rule, Microsoft.EventHub/namespaces/authorizationRules/listkeys).
func (c *Client) PutDiagnosticSetting(ctx context.Context, vaultID string, s auditpath.Setting) error {
	if _, _, _, err := ParseVaultID(vaultID); err != nil {
		return err
	}
	cl, err := arm.NewClient("honeyvault/azure", "v0.1.0", c.cred, c.armOptions())
	if err != nil {
		return fmt.Errorf("azure: %w", err)
	}
	type logJSON struct {
		Category      string `json:"category,omitempty"`
		CategoryGroup string `json:"categoryGroup,omitempty"`
		Enabled       bool   `json:"enabled"`
	}
	var body struct {
		Properties struct {
			StorageAccountID            string    `json:"storageAccountId,omitempty"`
			EventHubAuthorizationRuleID string    `json:"eventHubAuthorizationRuleId,omitempty"`
			EventHubName                string    `json:"eventHubName,omitempty"`
			WorkspaceID                 string    `json:"workspaceId,omitempty"`
			Logs                        []logJSON `json:"logs"`
		} `json:"properties"`
	}
	p := &body.Properties
	p.StorageAccountID, p.EventHubAuthorizationRuleID, p.EventHubName, p.WorkspaceID = s.StorageAccountID, s.EventHubAuthorizationRuleID, s.EventHubName, s.WorkspaceID
	for _, l := range s.Logs {
		p.Logs = append(p.Logs, logJSON{Category: l.Category, CategoryGroup: l.CategoryGroup, Enabled: l.Enabled})
	}
	path := strings.TrimRight(vaultID, "/") + "/providers/Microsoft.Insights/diagnosticSettings/" + url.PathEscape(s.Name)
	req, err := runtime.NewRequest(ctx, http.MethodPut, runtime.JoinPaths(cl.Endpoint(), path))
	if err != nil {
		return fmt.Errorf("azure: diagnostic setting %s: %w", s.Name, err)
	}
	req.Raw().URL.RawQuery = "api-version=" + diagnosticsAPIVersion
	if err := runtime.MarshalAsJSON(req, body); err != nil {
		return fmt.Errorf("azure: diagnostic setting %s: %w", s.Name, err)
	}
	resp, err := cl.Pipeline().Do(req)
	if err != nil {
		return fmt.Errorf("azure: diagnostic setting %s: %w", s.Name, err)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated) {
		return fmt.Errorf("azure: diagnostic setting %s: %w", s.Name, runtime.NewResponseError(resp))
	}
	return nil
}
