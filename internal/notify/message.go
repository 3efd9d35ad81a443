package notify

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Message is what a channel sends, and the webhook's JSON body exactly:
// {"incident": {...}, "alerts": [...]} as SPEC.md defines it, plus the kind
// and the idempotency key.
type Message struct {
	// Kind is "new" (the channel's first message about the incident),
	// "update" (alerts that joined it since) or "test".
	Kind string `json:"kind"`
	// IdempotencyKey is the same every time this message is sent: a
	// receiver that sees it twice may drop the repeat.
	IdempotencyKey string       `json:"idempotency_key"`
	Incident       IncidentInfo `json:"incident"`
	Alerts         []AlertInfo  `json:"alerts"`
	// MoreAlerts counts alerts of this change left out of Alerts (see
	// MaxAlerts).
	MoreAlerts int `json:"more_alerts,omitempty"`
}

// IncidentInfo is the incident part of a Message.
type IncidentInfo struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	VaultID  string `json:"vault_id"`
	Vault    string `json:"vault"`
	// Provider is the kind of store the vault is: azure-keyvault,
	// hashicorp-vault or aws-secretsmanager.
	Provider   string    `json:"provider"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	AlertCount int       `json:"alert_count"`
	DecoyCount int       `json:"decoy_count"`
	URL        string    `json:"url"`
}

// AlertInfo is one alert of a Message.
type AlertInfo struct {
	CorrelationID string    `json:"correlation_id"`
	Time          time.Time `json:"time"`
	Vault         string    `json:"vault"`
	Token         string    `json:"token"`
	TokenType     string    `json:"token_type"`
	Operation     string    `json:"operation"`
	// Class is detect's operation class (read, crypto, backup, tamper, ...).
	Class    string     `json:"class,omitempty"`
	Status   int        `json:"status"` // HTTP status Key Vault answered
	Result   string     `json:"result,omitempty"`
	Severity string     `json:"severity"`
	Caller   CallerInfo `json:"caller"`
	// Change says in plain words what a tamper alert (an Activity-log
	// record) did to the vault; empty for decoy accesses.
	Change string `json:"change,omitempty"`
	// Resource is the ARM id a tamper alert's change was made to.
	Resource string `json:"resource,omitempty"`
}

// CallerInfo is who made an alert's request.
type CallerInfo struct {
	ObjectID   string `json:"object_id"`
	UPN        string `json:"upn"`
	AppID      string `json:"app_id"`
	TenantID   string `json:"tenant_id,omitempty"`
	IP         string `json:"ip"`
	ClientInfo string `json:"client_info,omitempty"`
}

// MaxAlerts bounds the alerts one message lists; the rest are counted in
// MoreAlerts and shown on the incident's page.
const MaxAlerts = 100

// IncidentURL is the console page of incident id under base (the
// external_url setting).
func IncidentURL(base string, id int64) string {
	return strings.TrimRight(base, "/") + "/incidents/" + strconv.FormatInt(id, 10)
}

// Render builds the message for outbox row n from the store: the incident
// as it is now and the alerts the row covers.
func Render(ctx context.Context, st *store.Store, n store.Notification, baseURL string) (*Message, error) {
	in, err := st.GetIncident(ctx, n.IncidentID)
	if err != nil {
		return nil, fmt.Errorf("notify: incident %d: %w", n.IncidentID, err)
	}
	f := store.AlertFilter{IncidentID: n.IncidentID, FromID: n.FirstAlertID, ToID: n.LastAlertID, Limit: MaxAlerts}
	alerts, err := st.ListAlerts(ctx, f)
	if err != nil {
		return nil, err
	}
	m := &Message{Kind: n.Kind, IdempotencyKey: n.IdempotencyKey, Incident: incidentInfo(in, baseURL), Alerts: make([]AlertInfo, 0, len(alerts))}
	for _, a := range alerts {
		m.Alerts = append(m.Alerts, alertInfo(a))
	}
	if len(alerts) == MaxAlerts {
		total, err := st.CountAlerts(ctx, f)
		if err != nil {
			return nil, err
		}
		m.MoreAlerts = total - len(alerts)
	}
	return m, nil
}

func incidentInfo(in store.Incident, baseURL string) IncidentInfo {
	return IncidentInfo{
		ID: in.ID, Title: in.Title, Severity: in.Severity, Status: in.Status, VaultID: in.VaultID, Vault: in.VaultName,
		Provider: string(registry.ProviderOf(in.VaultID)), FirstSeen: in.FirstSeen, LastSeen: in.LastSeen, AlertCount: in.AlertCount, DecoyCount: in.DecoyCount,
		URL: IncidentURL(baseURL, in.ID),
	}
}

func alertInfo(a store.Alert) AlertInfo {
	info := AlertInfo{
		CorrelationID: a.Correlation, Time: a.Time, Vault: a.VaultName, Token: a.Token, TokenType: a.TokenType,
		Operation: a.Operation, Class: a.Class, Status: a.HTTPStatus, Result: a.ResultSig, Severity: a.Severity,
		Caller: CallerInfo{ObjectID: a.Caller.ObjectID, UPN: a.Caller.UPN, AppID: a.Caller.AppID, TenantID: a.Caller.TenantID,
			IP: a.Caller.IP, ClientInfo: a.Caller.ClientInfo},
	}
	if c := detect.Class(a.Class); c.IsTamper() {
		info.Change = detect.DescribeTamper(c, detect.ChangeRefused(a.ResultType))
		info.Resource = a.RequestURI
	}
	info.Change = cmp.Or(incident.DescribeHealth(detect.Class(a.Class)), info.Change)
	return info
}

// TestMessage is what `honeyvault notify test` sends: a made-up incident
// that says so in its title, and one made-up alert.
func TestMessage(baseURL string, now time.Time) *Message {
	return &Message{
		Kind: "test", IdempotencyKey: "test-" + strconv.FormatInt(now.UnixNano(), 36),
		Incident: IncidentInfo{ID: 0, Title: "honeyvault test notification (not an incident)", Severity: "medium", Status: "new",
			VaultID: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/example/providers/Microsoft.KeyVault/vaults/kv-example",
			Vault:   "kv-example", FirstSeen: now, LastSeen: now, AlertCount: 1, DecoyCount: 1, URL: strings.TrimRight(baseURL, "/") + "/incidents"},
		Alerts: []AlertInfo{{CorrelationID: "00000000-0000-0000-0000-000000000000", Time: now, Vault: "kv-example",
			Token: "example-decoy", TokenType: "secret", Operation: "SecretGet", Class: "read", Status: 200, Result: "OK", Severity: "high",
			Caller: CallerInfo{UPN: "test@example.com", IP: "192.0.2.1"}}},
	}
}

// Caller names who an incident's first alert came from, for one-line
// summaries: the UPN, else the object id, else the app id, else the IP.
func (m *Message) Caller() string {
	for _, a := range m.Alerts {
		for _, v := range []string{a.Caller.UPN, a.Caller.ObjectID, a.Caller.AppID, a.Caller.IP} {
			if v != "" {
				return v
			}
		}
	}
	if len(m.Alerts) > 0 && strings.HasPrefix(m.Alerts[0].Operation, incident.HeartbeatOperationPrefix) {
		return incident.HeartbeatCaller // honeyvault found it itself: there is no caller
	}
	return "unknown caller"
}

// Summary is a one-line description of the message for chat and mail.
func (m *Message) Summary() string {
	s := fmt.Sprintf("%s — %s on %s by %s", m.Incident.Title, strings.ToUpper(m.Incident.Severity), m.Incident.Vault, m.Caller())
	if m.Kind == "update" {
		s = fmt.Sprintf("%d more alert(s): %s", len(m.Alerts)+m.MoreAlerts, s)
	}
	return s
}
