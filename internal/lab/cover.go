package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// Operations of the cover-tracks move, as Azure's Activity log names them.
const (
	opDiagnosticSettingsRead   = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/READ"
	opDiagnosticSettingsDelete = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE"
)

// diagnosticSettingsAPI is the api-version Azure's portal and CLI use for
// diagnostic settings.
const diagnosticSettingsAPI = "2021-05-01-preview"

// tamperTitle is the incident title honeyvault gives a deleted diagnostic
// setting (the original solution's analytics rule's name).
const tamperTitle = "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed"

// coverMove is what the cover-tracks move did in one vault: it listed the
// vault's diagnostic settings, deleted the one streaming the audit log,
// then read a decoy, whose audit record no longer reaches honeyvault.
type coverMove struct {
	Vault   stateVault
	Setting string // the deleted setting; "" when there was none
	List    access
	Delete  access // zero when there was no setting to delete
	Read    access // zero when the vault holds no decoy to read
	Deleted bool   // the setting existed and the vault deleted it
}

// accesses are the move's requests in order.
func (m coverMove) accesses() []access {
	out := []access{m.List}
	if m.Delete.Operation != "" {
		out = append(out, m.Delete)
	}
	if m.Read.Operation != "" {
		out = append(out, m.Read)
	}
	return out
}

// coverTracks plays the move in v: list the diagnostic settings, delete the
// one sending the audit log, read a decoy.
func (a *attacker) coverTracks(ctx context.Context, v stateVault) coverMove {
	m := coverMove{Vault: v}
	var names []string
	names, m.List = a.listDiagnosticSettings(ctx, v)
	if len(names) == 0 {
		return m
	}
	m.Setting = names[0]
	m.Delete = a.deleteDiagnosticSetting(ctx, v, m.Setting)
	m.Deleted = m.Delete.Err == nil && m.Delete.Status == http.StatusOK
	if name, ok := v.decoy(registry.Secret); ok {
		m.Read = a.getSecret(ctx, v, name)
	} else if name, ok := v.decoy(registry.Key); ok {
		m.Read = a.getKey(ctx, v, name)
	}
	return m
}

// armPipeline is the Azure SDK's Resource Manager pipeline with the
// identity's bearer token, for the diagnostic-settings REST calls (the SDK
// has no typed client for them that the module already carries).
func (a *attacker) armPipeline() (runtime.Pipeline, error) {
	if a.arm != nil {
		return a.arm.Pipeline(), nil
	}
	c, err := arm.NewClient("honeyvault-lab", "v1.0.0", a.cred, &arm.ClientOptions{ClientOptions: a.opts, DisableRPRegistration: true})
	if err != nil {
		return runtime.Pipeline{}, fmt.Errorf("lab: %w", err)
	}
	a.arm = c
	return c.Pipeline(), nil
}

// armDo sends method to path under the Resource Manager endpoint and
// returns the answer's body; an answer other than 200 or 204 is an
// *azcore.ResponseError.
func (a *attacker) armDo(ctx context.Context, method, path string) (int, []byte, error) {
	pl, err := a.armPipeline()
	if err != nil {
		return 0, nil, err
	}
	req, err := runtime.NewRequest(ctx, method, runtime.JoinPaths(a.opts.Cloud.Services[cloud.ResourceManager].Endpoint, path))
	if err != nil {
		return 0, nil, err
	}
	req.Raw().URL.RawQuery = "api-version=" + diagnosticSettingsAPI
	resp, err := pl.Do(req)
	if err != nil {
		return 0, nil, err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK, http.StatusNoContent) {
		return resp.StatusCode, nil, runtime.NewResponseError(resp)
	}
	body, err := runtime.Payload(resp)
	return resp.StatusCode, body, err
}

// diagnosticSettingsJSON is the part of ARM's list answer the move reads.
type diagnosticSettingsJSON struct {
	Value []struct {
		Name       string `json:"name"`
		Properties struct {
			Logs []logSettingJSON `json:"logs"`
		} `json:"properties"`
	} `json:"value"`
}

// logSettingJSON is one log category a diagnostic setting sends.
type logSettingJSON struct {
	Category      string `json:"category"`
	CategoryGroup string `json:"categoryGroup"`
	Enabled       bool   `json:"enabled"`
}

// sendsAudit reports whether l sends the vault's audit log (AuditEvent).
func (l logSettingJSON) sendsAudit() bool {
	return l.Enabled && (strings.EqualFold(l.Category, "AuditEvent") || strings.EqualFold(l.CategoryGroup, "audit") || strings.EqualFold(l.CategoryGroup, "allLogs"))
}

// listDiagnosticSettings names v's diagnostic settings, those that send
// the audit log (AuditEvent) first.
func (a *attacker) listDiagnosticSettings(ctx context.Context, v stateVault) ([]string, access) {
	acc := access{Vault: v, Operation: opDiagnosticSettingsRead}
	_, body, err := a.armDo(ctx, http.MethodGet, v.ID+"/providers/Microsoft.Insights/diagnosticSettings")
	var list diagnosticSettingsJSON
	if err == nil {
		err = json.Unmarshal(body, &list)
	}
	var audit, other []string
	for _, s := range list.Value {
		if slices.ContainsFunc(s.Properties.Logs, logSettingJSON.sendsAudit) {
			audit = append(audit, s.Name)
		} else {
			other = append(other, s.Name)
		}
	}
	names := append(audit, other...)
	if err == nil {
		acc.Detail = fmt.Sprintf("%d diagnostic settings", len(names))
		if len(names) == 1 {
			acc.Detail = "1 diagnostic setting"
		}
		if len(audit) > 0 {
			acc.Detail += ", " + audit[0] + " streams the audit log"
		}
	}
	return names, acc.done(err)
}

// deleteDiagnosticSetting deletes v's setting name: the vault's audit log
// stops reaching wherever it went. Azure answers 204 when there was no
// such setting (a second attack on the same lab).
func (a *attacker) deleteDiagnosticSetting(ctx context.Context, v stateVault, name string) access {
	acc := access{Vault: v, Operation: opDiagnosticSettingsDelete, Name: name}
	status, _, err := a.armDo(ctx, http.MethodDelete, v.ID+"/providers/Microsoft.Insights/diagnosticSettings/"+name)
	acc = acc.done(err)
	if err == nil {
		acc.Status = status
		acc.Detail = "the audit log stops here"
		if status == http.StatusNoContent {
			acc.Detail = "no such setting any more"
		}
	}
	return acc
}

// coverVault is the vault to cover tracks in: one holding decoys (tamper
// rules watch only those). It prefers one the earlier steps did not use
// (used: the vaults they touched), so that the deletion opens an incident
// of its own — incidents group per vault and caller —, the outside
// identities' readable vaults first (the decoy read after the deletion
// succeeds); then one the original's test did not use (its audit log must
// keep flowing until its accesses are in); then any.
func coverVault(vaults []stateVault, original []target, used []string) (stateVault, bool) {
	usedByOriginal := func(v stateVault) bool {
		return slices.ContainsFunc(original, func(t target) bool { return t.vault.Name == v.Name })
	}
	untouched := func(v stateVault) bool { return !usedByOriginal(v) && !slices.Contains(used, v.Name) }
	tiers := []func(stateVault) bool{
		func(v stateVault) bool { return !v.OutsidersDenied && untouched(v) },
		untouched,
		func(v stateVault) bool { return !v.OutsidersDenied && !usedByOriginal(v) },
		func(v stateVault) bool { return !usedByOriginal(v) },
		func(stateVault) bool { return true },
	}
	for _, ok := range tiers {
		for _, v := range vaults {
			if len(v.Decoys) > 0 && ok(v) {
				return v, true
			}
		}
	}
	return stateVault{}, false
}

// coverTracks makes the selftest's tamper move — lab attack's step 4 —
// and returns its check, waiting for the incident; nil, with the problem
// said, when there was nothing to delete.
func (r *Report) coverTracks(ctx context.Context, a *attacker, vaults []stateVault, original []target) *pendingCheck {
	v, ok := coverVault(vaults, original, nil)
	if !ok {
		r.problem("no vault with decoys to cover tracks in")
		return nil
	}
	m := a.coverTracks(ctx, v)
	switch {
	case m.List.Err != nil:
		r.problem("listing the diagnostic settings of %s did not succeed: %s", v.Name, m.List.outcome())
		return nil
	case m.Setting == "":
		r.problem("%s has no diagnostic setting to delete", v.Name)
		return nil
	case !m.Deleted:
		r.problem("deleting diagnostic setting %s of %s did not succeed: %s", m.Setting, v.Name, m.Delete.outcome())
	}
	c := Check{Operation: opDiagnosticSettingsDelete, Vault: v.Name, Caller: a.who(), setting: m.Setting}
	return &pendingCheck{Check: c, vaultID: v.ID, callerID: a.id.ObjectID, at: m.Delete.At, accessOK: m.Deleted}
}
