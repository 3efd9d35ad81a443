package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// Notifier posts to one incoming webhook.
type Notifier struct{ c Config }

// New validates c and returns its notifier.
func New(c Config) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Notifier{c: c}, nil
}

// Payload is the JSON an incoming webhook takes.
type Payload struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is a Block Kit block (the kinds used here).
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Fields   []Text `json:"fields,omitempty"`
	Elements []Text `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"` // plain_text or mrkdwn
	Text string `json:"text"`
}

// escape makes s safe in mrkdwn: Slack treats &, < and > as control
// characters (links, mentions).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Build renders m for Slack.
func Build(m *notify.Message) Payload {
	in := m.Incident
	var lines []string
	for i, a := range m.Alerts {
		if i == notify.MaxListedAlerts {
			lines = append(lines, fmt.Sprintf("… and %d more", len(m.Alerts)-i+m.MoreAlerts))
			break
		}
		lines = append(lines, "• "+escape(notify.AlertLine(a)))
	}
	if len(lines) == 0 {
		lines = append(lines, "(no alerts)")
	}
	header := in.Title
	if len(header) > 150 { // Slack's limit for header text
		header = header[:150]
	}
	return Payload{
		Text: escape(m.Summary()) + " <" + in.URL + "|open>",
		Blocks: []Block{
			{Type: "header", Text: &Text{Type: "plain_text", Text: header}},
			{Type: "section", Fields: []Text{
				{Type: "mrkdwn", Text: "*Severity*\n" + escape(strings.ToUpper(in.Severity))},
				{Type: "mrkdwn", Text: "*Vault*\n" + escape(in.Vault)},
				{Type: "mrkdwn", Text: "*Caller*\n" + escape(m.Caller())},
				{Type: "mrkdwn", Text: fmt.Sprintf("*Alerts*\n%d on %d decoy(s)", in.AlertCount, in.DecoyCount)},
			}},
			{Type: "section", Text: &Text{Type: "mrkdwn", Text: strings.Join(lines, "\n")}},
			{Type: "context", Elements: []Text{{Type: "mrkdwn", Text: fmt.Sprintf("<%s|Incident %d> · %s", in.URL, in.ID, escape(in.Status))}}},
		},
	}
}

// Notify posts m. Slack answers 4xx for a revoked or malformed webhook
// (permanent) and 429/5xx when busy (retryable).
func (n *Notifier) Notify(ctx context.Context, m *notify.Message) (bool, error) {
	return notify.PostJSON(ctx, n.c.Client, n.c.URL, Build(m))
}
