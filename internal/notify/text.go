package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// MaxListedAlerts bounds the alerts chat and mail messages list one by one.
const MaxListedAlerts = 10

// AlertLine describes one alert on one line, for people.
func AlertLine(a AlertInfo) string {
	who := a.Caller.UPN
	if who == "" {
		who = a.Caller.ObjectID
	}
	if who == "" {
		who = a.Caller.AppID
	}
	if who == "" && strings.HasPrefix(a.Operation, incident.HeartbeatOperationPrefix) {
		who = incident.HeartbeatCaller // honeyvault found it itself: there is no caller
	}
	if who == "" {
		who = "unknown caller"
	}
	s := fmt.Sprintf("%s %s %s %s/%s by %s", a.Time.UTC().Format(time.RFC3339), a.Operation, a.TokenType, a.Vault, a.Token, who)
	if a.Change != "" { // a tamper alert: a change to the vault, not an access to a decoy
		s = fmt.Sprintf("%s %s %s in %s (%s)", a.Time.UTC().Format(time.RFC3339), who, a.Change, a.Vault, a.Operation)
	}
	if a.Caller.IP != "" {
		s += " from " + a.Caller.IP
	}
	if a.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", a.Status)
	}
	return s
}

// Text is the message as plain text: a summary, the incident's facts, the
// alerts, and the link.
func (m *Message) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", m.Summary())
	in := m.Incident
	vault := in.VaultID
	if p := registry.Provider(in.Provider); p != "" && p != registry.AzureKeyVault {
		vault = p.Label() + " " + vault // the id says it, but not in words
	}
	fmt.Fprintf(&b, "Incident:  %d (%s)\nSeverity:  %s\nVault:     %s\nSeen:      %s to %s\nAlerts:    %d on %d decoy(s)\n\n",
		in.ID, in.Status, in.Severity, vault, in.FirstSeen.UTC().Format(time.RFC3339), in.LastSeen.UTC().Format(time.RFC3339),
		in.AlertCount, in.DecoyCount)
	for i, a := range m.Alerts {
		if i == MaxListedAlerts {
			fmt.Fprintf(&b, "… and %d more\n", len(m.Alerts)-i+m.MoreAlerts)
			break
		}
		fmt.Fprintf(&b, "- %s\n", AlertLine(a))
	}
	if len(m.Alerts) <= MaxListedAlerts && m.MoreAlerts > 0 {
		fmt.Fprintf(&b, "… and %d more\n", m.MoreAlerts)
	}
	fmt.Fprintf(&b, "\n%s\n", in.URL)
	return b.String()
}
