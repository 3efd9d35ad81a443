package web

import (
	"context"
	"net/http"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The converters from stored rows and service reports to the REST API's wire
// types live here, not in api, so that api imports nothing of honeyvault
// and the command-line client that decodes it links no store.

// optTime is nil for the zero time, so that omitempty leaves it out.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// nonNil makes an empty list [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// statusWord names an HTTP status ("Forbidden"), "" for none: Key Vault's
// resultType says Success for a refused request, so the API says in a word
// what the status was, as the console does.
func statusWord(code int) string {
	if code == 0 {
		return ""
	}
	return http.StatusText(code)
}

func apiIncident(in store.Incident) api.Incident {
	return api.Incident{
		ID: in.ID, Title: in.Title, Severity: in.Severity, Status: in.Status, Classification: in.Classification,
		Owner: in.Owner, VaultID: in.VaultID, Vault: in.VaultName, Caller: in.CallerKey, FirstSeen: in.FirstSeen,
		LastSeen: in.LastSeen, AlertCount: in.AlertCount, DecoyCount: in.DecoyCount, PreviousID: in.PreviousID,
		CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, ClosedAt: optTime(in.ClosedAt),
	}
}

func apiAlert(a store.Alert) api.Alert {
	c := a.Caller
	return api.Alert{
		ID: a.ID, IncidentID: a.IncidentID, Time: a.Time, VaultID: a.VaultID, Vault: a.VaultName, Token: a.Token,
		TokenType: a.TokenType, ObjectType: a.ObjectType, Operation: a.Operation, Class: a.Class, Severity: a.Severity,
		Status: a.HTTPStatus, StatusText: statusWord(a.HTTPStatus), Result: a.ResultSig, CorrelationID: a.Correlation, RequestURI: a.RequestURI,
		Caller:     api.Caller{ObjectID: c.ObjectID, UPN: c.UPN, AppID: c.AppID, TenantID: c.TenantID, IP: c.IP, ClientInfo: c.ClientInfo},
		Suppressed: a.Suppressed, AllowedBy: a.AllowedBy,
	}
}

// apiEntities converts an incident's entities; lists are never null.
func apiEntities(e store.Entities) api.Entities {
	out := api.Entities{IPs: nonNil(e.IPs), Vaults: nonNil(e.Vaults), Operations: nonNil(e.Operations),
		ClientInfos: nonNil(e.ClientInfos), Accounts: []api.Caller{}, Decoys: []api.EntityDecoy{}}
	for _, a := range e.Accounts {
		out.Accounts = append(out.Accounts, api.Caller{ObjectID: a.ObjectID, UPN: a.UPN, AppID: a.AppID, TenantID: a.TenantID})
	}
	for _, d := range e.Decoys {
		out.Decoys = append(out.Decoys, api.EntityDecoy{Vault: d.VaultName, Name: d.Name, Type: d.Type})
	}
	return out
}

func apiHistory(h store.HistoryEntry) api.HistoryEntry {
	return api.HistoryEntry{Time: h.Time, Actor: h.Actor, Action: h.Action, OldValue: h.OldValue, NewValue: h.NewValue, Detail: h.Detail}
}

func apiEvent(se store.StoredEvent) api.Event {
	e := se.Event
	c := e.Caller
	return api.Event{
		ID: se.ID, Time: e.Time, Vault: e.VaultName, ObjectType: string(e.ObjectType), ObjectName: e.ObjectName,
		Operation: e.Operation, Result: e.ResultType, Status: e.HTTPStatus, StatusText: statusWord(e.HTTPStatus), CorrelationID: e.CorrelationID,
		Caller: api.Caller{ObjectID: c.ObjectID, UPN: c.UPN, AppID: c.AppID, IP: c.IP, ClientInfo: c.ClientInfo},
	}
}

// apiRelated converts an incident's related activity; lists are never null.
func apiRelated(rel incident.Related) api.Related {
	out := api.Related{From: rel.From, To: rel.To, Truncated: rel.Truncated,
		Events: make([]api.Event, 0, len(rel.Events)), Others: make([]api.VaultOthers, 0, len(rel.Others))}
	for _, e := range rel.Events {
		out.Events = append(out.Events, apiEvent(e))
	}
	for _, o := range rel.Others {
		vo := api.VaultOthers{Vault: o.Vault, Callers: make([]api.VaultCaller, 0, len(o.Callers))}
		for _, c := range o.Callers {
			vo.Callers = append(vo.Callers, api.VaultCaller{Caller: c.CallerKey, UPN: c.UPN, IP: c.IP, Events: c.Events,
				First: c.First, Last: c.Last, Unauthenticated: c.Unauthenticated})
		}
		out.Others = append(out.Others, vo)
	}
	return out
}

func apiHoneytoken(d registry.Decoy, kind canary.Kind) api.Honeytoken {
	return api.Honeytoken{
		ID: d.ID, VaultID: d.VaultID, Vault: d.VaultName, Provider: string(d.Provider()), Name: d.Name, Type: string(d.Type),
		Status: string(d.Status), CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, Memo: d.Memo, Canary: string(kind),
	}
}

// canaryKinds is the canary kind of each of decoys that carries one.
func (h *handler) canaryKinds(ctx context.Context, decoys []registry.Decoy) (map[int64]canary.Kind, error) {
	ids := make([]int64, len(decoys))
	for i, d := range decoys {
		ids[i] = d.ID
	}
	return h.store.CanaryKinds(ctx, ids)
}

// apiToken converts a stored token, its status as of now; never its hash.
func apiToken(t store.APIToken, now time.Time) api.Token {
	return api.Token{
		ID: t.ID, Name: t.Name, Prefix: t.Prefix, Role: t.Role, Subscriptions: t.Subscriptions, Vaults: t.Vaults,
		CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, ExpiresAt: optTime(t.ExpiresAt),
		LastUsedAt: optTime(t.LastUsedAt), RevokedAt: optTime(t.RevokedAt), RevokedBy: t.RevokedBy,
		Status: tokenStatus(t, now),
	}
}

func apiAuditEntry(e store.AuditEntry) api.AuditEntry {
	return api.AuditEntry{ID: e.ID, Time: e.Time, Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail, RemoteAddr: e.RemoteAddr}
}

func apiSource(st source.Status) api.Source {
	return api.Source{
		Name: st.Name, Kind: st.Kind, State: st.State, Records: st.Records, New: st.New, Duplicates: st.Duplicates,
		DeadLetters: st.DeadLetters, Errors: st.Errors, LastError: st.LastError, LastErrorAt: optTime(st.LastErrorAt),
		LastPoll: optTime(st.LastPoll), LastRecordTime: optTime(st.LastRecordTime), LagSeconds: st.Lag.Seconds(),
	}
}

func apiDeadLetter(d store.DeadLetter) api.DeadLetter {
	return api.DeadLetter{ID: d.ID, ReceivedAt: d.ReceivedAt, Source: d.Source, Position: d.Position, Reason: d.Reason, Raw: d.Raw}
}

func apiChannel(c notify.ChannelStatus) api.Channel {
	return api.Channel{
		Name: c.Name, Type: c.Type, MinSeverity: c.MinSeverity, Vaults: c.Vaults, Healthy: c.Healthy,
		ConsecutiveFailures: c.ConsecutiveFailures, LastSuccess: c.LastSuccess, LastFailure: c.LastFailure,
		LastError: c.LastError, Pending: c.Pending, OldestPending: c.OldestPending, Sent: c.Sent, Failed: c.Failed,
	}
}

func apiVault(a assessed) api.Vault {
	model := "access_policies"
	if a.RBAC {
		model = "rbac"
	}
	tags := a.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return api.Vault{
		ID: a.ID, Name: a.Name, Provider: string(registry.ProviderOf(a.ID)), SubscriptionID: a.SubscriptionID, Subscription: a.SubscriptionName, ResourceGroup: a.ResourceGroup,
		Location: a.Location, PermissionModel: model, Tags: tags, SoftDelete: a.SoftDelete, PurgeProtection: a.PurgeProtection,
		FirstSeen: a.FirstSeen, LastSeen: a.LastSeen, GoneAt: optTime(a.GoneAt), LastRecord: optTime(a.LastRecord),
		Coverage:    api.Coverage{State: string(a.Coverage.State), Reasons: nonNil(a.Coverage.Reasons), Decoys: a.Coverage.Active},
		Diagnostics: apiDiagnostics(a.AuditPath),
	}
}

func apiDiagnostics(a *store.AuditPath) *api.VaultDiagnostics {
	if a == nil {
		return nil
	}
	d := apiAuditPath(*a)
	return &d
}

func apiCount(c coverage.Count) api.CoverageCount {
	return api.CoverageCount{Total: c.Total, Covered: c.Covered, AtRisk: c.AtRisk, NotCovered: c.NotCovered}
}
