package syslog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// Facility 4 is security/authorization messages (RFC 5424 table 1).
const facility = 4

// EnterpriseID names honeyvault's structured-data element. 32473 is the
// private enterprise number RFC 5612 sets aside for examples and
// documentation; honeyvault has none of its own.
const EnterpriseID = "honeyvault@32473"

// syslogSeverity maps incident severity to RFC 5424 severity: critical 2,
// high 3 (error), medium 4 (warning).
func syslogSeverity(sev string) int {
	switch sev {
	case "critical":
		return 2
	case "high":
		return 3
	}
	return 4
}

// cefSeverity maps incident severity to CEF's 0-10.
func cefSeverity(sev string) int {
	switch sev {
	case "critical":
		return 10
	case "high":
		return 8
	}
	return 5
}

// Records renders m as one syslog message per alert (one for a message
// without alerts), without transport framing.
func Records(m *notify.Message, format, hostname string, now time.Time) []string {
	alerts := m.Alerts
	if len(alerts) == 0 {
		alerts = []notify.AlertInfo{{}}
	}
	out := make([]string, 0, len(alerts))
	for _, a := range alerts {
		out = append(out, record(m, a, format, hostname, now))
	}
	return out
}

func record(m *notify.Message, a notify.AlertInfo, format, hostname string, now time.Time) string {
	in := m.Incident
	pri := facility*8 + syslogSeverity(in.Severity)
	msgid := "incident." + m.Kind
	header := fmt.Sprintf("<%d>1 %s %s honeyvault - %s ", pri, now.UTC().Format("2006-01-02T15:04:05.000000Z"),
		headerField(hostname), headerField(msgid))
	if format == CEF {
		return header + "- " + cefRecord(m, a, now)
	}
	sd := "[" + EnterpriseID + sdParam("incident", strconv.FormatInt(in.ID, 10)) + sdParam("severity", in.Severity) +
		sdParam("status", in.Status) + sdParam("vault", in.Vault) + sdParam("vault_id", in.VaultID) +
		sdParam("token", a.Token) + sdParam("token_type", a.TokenType) + sdParam("operation", a.Operation) +
		sdParam("http_status", strconv.Itoa(a.Status)) + sdParam("caller_object_id", a.Caller.ObjectID) +
		sdParam("caller_upn", a.Caller.UPN) + sdParam("caller_app_id", a.Caller.AppID) + sdParam("caller_ip", a.Caller.IP) +
		sdParam("correlation_id", a.CorrelationID) + sdParam("url", in.URL) + sdParam("idempotency_key", m.IdempotencyKey) + "]"
	text := in.Title
	if a.Operation != "" {
		text += ": " + notify.AlertLine(a)
	}
	return header + sd + " " + oneLine(text)
}

// headerField is a header field as RFC 5424 allows: printable US-ASCII
// without spaces, "-" when empty.
func headerField(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 33 || r > 126 {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	return s
}

// sdParam is ` name="value"` with value escaped (", \ and ]) and empty
// values left out.
func sdParam(name, value string) string {
	if value == "" {
		return ""
	}
	return " " + name + `="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace(oneLine(value)) + `"`
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cefHeader escapes a CEF header field: \ and |.
func cefHeader(s string) string {
	return strings.NewReplacer(`\`, `\\`, `|`, `\|`).Replace(oneLine(s))
}

// cefValue escapes a CEF extension value: \, = and line breaks.
func cefValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `=`, `\=`, "\r", `\r`, "\n", `\n`).Replace(s)
}

// cefRecord is CEF:Version|Device Vendor|Device Product|Device
// Version|Signature ID|Name|Severity|Extension.
func cefRecord(m *notify.Message, a notify.AlertInfo, now time.Time) string {
	in := m.Incident
	sig := "honeytoken-" + a.TokenType + "-accessed"
	if a.TokenType == "" {
		sig = "honeyvault-" + m.Kind
	}
	var ext []string
	add := func(k, v string) {
		if v != "" {
			ext = append(ext, k+"="+cefValue(v))
		}
	}
	t := a.Time
	if t.IsZero() {
		t = now
	}
	add("rt", strconv.FormatInt(t.UnixMilli(), 10))
	add("act", a.Operation)
	add("src", a.Caller.IP)
	add("suser", a.Caller.UPN)
	add("suid", a.Caller.ObjectID)
	add("requestClientApplication", a.Caller.ClientInfo)
	add("cs1Label", "vault")
	add("cs1", in.Vault)
	add("cs2Label", "honeytoken")
	add("cs2", a.Token)
	add("cs3Label", "incidentUrl")
	add("cs3", in.URL)
	add("cs4Label", "appId")
	add("cs4", a.Caller.AppID)
	add("cs5Label", "vaultId")
	add("cs5", in.VaultID)
	add("cn1Label", "incidentId")
	add("cn1", strconv.FormatInt(in.ID, 10))
	if a.Status != 0 {
		add("outcome", strconv.Itoa(a.Status))
	}
	add("externalId", a.CorrelationID)
	add("msg", in.Title)
	return fmt.Sprintf("CEF:0|honeyvault|honeyvault|1|%s|%s|%d|%s", cefHeader(sig), cefHeader(in.Title),
		cefSeverity(in.Severity), strings.Join(ext, " "))
}
