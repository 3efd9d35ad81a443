package teams

import (
	"context"
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// Notifier posts to one workflow webhook.
type Notifier struct{ c Config }

// New validates c and returns its notifier.
func New(c Config) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Notifier{c: c}, nil
}

// CardContentType is an Adaptive Card attachment's content type.
const CardContentType = "application/vnd.microsoft.card.adaptive"

// Envelope is the message a Teams workflow webhook takes: one Adaptive
// Card attachment.
type Envelope struct {
	Type        string       `json:"type"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment wraps the card.
type Attachment struct {
	ContentType string  `json:"contentType"`
	ContentURL  *string `json:"contentUrl"`
	Content     Card    `json:"content"`
}

// Card is an Adaptive Card (version 1.4, which Teams renders).
type Card struct {
	Schema  string            `json:"$schema"`
	Type    string            `json:"type"`
	Version string            `json:"version"`
	Body    []any             `json:"body"`
	Actions []any             `json:"actions,omitempty"`
	MSTeams map[string]string `json:"msteams,omitempty"`
}

var severityColor = map[string]string{"critical": "Attention", "high": "Attention", "medium": "Warning"}

// Build renders m as an Adaptive Card message.
func Build(m *notify.Message) Envelope {
	in := m.Incident
	body := []any{
		map[string]any{"type": "TextBlock", "text": in.Title, "weight": "Bolder", "size": "Medium", "wrap": true,
			"color": severityColor[in.Severity]},
		map[string]any{"type": "FactSet", "facts": []map[string]string{
			{"title": "Severity", "value": strings.ToUpper(in.Severity)},
			{"title": "Status", "value": in.Status},
			{"title": "Vault", "value": in.Vault},
			{"title": "Caller", "value": m.Caller()},
			{"title": "Alerts", "value": fmt.Sprintf("%d on %d decoy(s)", in.AlertCount, in.DecoyCount)},
			{"title": "Incident", "value": fmt.Sprint(in.ID)},
		}},
	}
	for i, a := range m.Alerts {
		if i == notify.MaxListedAlerts {
			body = append(body, textBlock(fmt.Sprintf("… and %d more", len(m.Alerts)-i+m.MoreAlerts)))
			break
		}
		body = append(body, textBlock("- "+notify.AlertLine(a)))
	}
	return Envelope{Type: "message", Attachments: []Attachment{{
		ContentType: CardContentType,
		Content: Card{
			Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
			Body:    body,
			Actions: []any{map[string]string{"type": "Action.OpenUrl", "title": "Open incident", "url": in.URL}},
			MSTeams: map[string]string{"width": "Full"},
		},
	}}}
}

func textBlock(s string) map[string]any {
	return map[string]any{"type": "TextBlock", "text": s, "wrap": true, "size": "Small", "spacing": "None"}
}

// Notify posts m. The workflow answers 202 when it took the message.
func (n *Notifier) Notify(ctx context.Context, m *notify.Message) (bool, error) {
	return notify.PostJSON(ctx, n.c.Client, n.c.URL, Build(m))
}
