package loganalytics

import (
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// Row is one uploaded row: an alert with its incident. Its JSON names are
// the columns the stream declaration and the table need (see README.md);
// it never holds a secret's value, only the decoy's name.
type Row struct {
	TimeGenerated   time.Time `json:"TimeGenerated"` // the alert's time
	IncidentID      int64     `json:"IncidentId"`
	IncidentTitle   string    `json:"IncidentTitle"`
	Severity        string    `json:"Severity"` // the incident's
	Status          string    `json:"Status"`   // the incident's
	IncidentURL     string    `json:"IncidentUrl"`
	FirstSeen       time.Time `json:"FirstSeen"`
	LastSeen        time.Time `json:"LastSeen"`
	VaultID         string    `json:"VaultId"`
	Vault           string    `json:"Vault"`
	Token           string    `json:"Token"`
	TokenType       string    `json:"TokenType"`
	Operation       string    `json:"Operation"`
	Class           string    `json:"Class"`
	AlertSeverity   string    `json:"AlertSeverity"`
	HTTPStatusCode  int       `json:"HttpStatusCode"`
	ResultSignature string    `json:"ResultSignature"`
	CallerObjectID  string    `json:"CallerObjectId"`
	CallerUPN       string    `json:"CallerUpn"`
	CallerAppID     string    `json:"CallerAppId"`
	CallerTenantID  string    `json:"CallerTenantId"`
	CallerIPAddress string    `json:"CallerIpAddress"`
	CorrelationID   string    `json:"CorrelationId"`
	Change          string    `json:"Change"`   // a tamper alert's change in plain words
	Resource        string    `json:"Resource"` // the ARM id a tamper alert changed
	MessageKind     string    `json:"MessageKind"`
	IdempotencyKey  string    `json:"IdempotencyKey"`
	MoreAlerts      int       `json:"MoreAlerts"` // alerts of this message left out (notify.MaxAlerts)
}

// Rows renders m as one row per alert; a message without alerts still
// gives one row, with the incident only.
func Rows(m *notify.Message) []Row {
	in := m.Incident
	base := Row{
		TimeGenerated: in.LastSeen, IncidentID: in.ID, IncidentTitle: in.Title, Severity: in.Severity, Status: in.Status,
		IncidentURL: in.URL, FirstSeen: in.FirstSeen, LastSeen: in.LastSeen, VaultID: in.VaultID, Vault: in.Vault,
		MessageKind: m.Kind, IdempotencyKey: m.IdempotencyKey, MoreAlerts: m.MoreAlerts,
	}
	if len(m.Alerts) == 0 {
		return []Row{base}
	}
	rows := make([]Row, 0, len(m.Alerts))
	for _, a := range m.Alerts {
		r := base
		r.TimeGenerated = a.Time
		if a.Vault != "" {
			r.Vault = a.Vault
		}
		r.Token, r.TokenType, r.Operation, r.Class = a.Token, a.TokenType, a.Operation, a.Class
		r.AlertSeverity, r.HTTPStatusCode, r.ResultSignature = a.Severity, a.Status, a.Result
		r.CallerObjectID, r.CallerUPN, r.CallerAppID = a.Caller.ObjectID, a.Caller.UPN, a.Caller.AppID
		r.CallerTenantID, r.CallerIPAddress = a.Caller.TenantID, a.Caller.IP
		r.CorrelationID, r.Change, r.Resource = a.CorrelationID, a.Change, a.Resource
		rows = append(rows, r)
	}
	return rows
}

// Column is a column of the stream declaration and the table.
type Column struct{ Name, Type string }

// Columns are Row's columns with their Log Analytics types: the stream
// declaration a data collection rule needs (README.md shows it as az
// arguments) and the custom table's schema.
var Columns = []Column{
	{"TimeGenerated", "datetime"}, {"IncidentId", "long"}, {"IncidentTitle", "string"}, {"Severity", "string"},
	{"Status", "string"}, {"IncidentUrl", "string"}, {"FirstSeen", "datetime"}, {"LastSeen", "datetime"},
	{"VaultId", "string"}, {"Vault", "string"}, {"Token", "string"}, {"TokenType", "string"}, {"Operation", "string"},
	{"Class", "string"}, {"AlertSeverity", "string"}, {"HttpStatusCode", "int"}, {"ResultSignature", "string"},
	{"CallerObjectId", "string"}, {"CallerUpn", "string"}, {"CallerAppId", "string"}, {"CallerTenantId", "string"},
	{"CallerIpAddress", "string"}, {"CorrelationId", "string"}, {"Change", "string"}, {"Resource", "string"},
	{"MessageKind", "string"}, {"IdempotencyKey", "string"}, {"MoreAlerts", "int"},
}
