package incident

import (
	"fmt"
	"slices"
	"strings"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Grouping computes alerts' group keys from a list of labels (see the
// package documentation). The zero value groups by vault and caller.
type Grouping struct {
	labels []string // sorted; nil with every set: each alert alone
	every  bool
	fixed  string // when set, every alert's key (one recorder per incident)
}

// NewGrouping validates labels (config.GroupLabels, or "..." alone).
func NewGrouping(labels []string) (Grouping, error) {
	if len(labels) == 1 && labels[0] == "..." {
		return Grouping{every: true}, nil
	}
	if len(labels) == 0 {
		return Grouping{}, fmt.Errorf("incident: group_by is empty")
	}
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		if !slices.Contains(config.GroupLabels, l) {
			return Grouping{}, fmt.Errorf("incident: unknown group_by label %q (want %s)", l, strings.Join(config.GroupLabels, ", "))
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return Grouping{labels: out}, nil
}

// Labels returns the labels, sorted; ["..."] when every alert is alone.
func (g Grouping) Labels() []string {
	switch {
	case g.every:
		return []string{"..."}
	case g.labels == nil:
		return []string{"caller", "vault"}
	}
	return slices.Clone(g.labels)
}

// Key is a's group key: "label=value" pairs in label order, joined by
// newlines (no label value holds one after lower-casing and trimming).
func (g Grouping) Key(a *detect.Alert) string {
	if g.fixed != "" {
		return g.fixed
	}
	if g.every {
		return "alert=" + a.Event.DedupKey() + "|" + a.Decoy.Key()
	}
	var b strings.Builder
	for i, l := range g.Labels() {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(labelValue(l, a), "\n", " "))
	}
	return b.String()
}

func labelValue(label string, a *detect.Alert) string {
	ev := &a.Event
	switch label {
	case "vault":
		return registry.VaultKey(a.Decoy.VaultID)
	case "caller":
		return ev.Caller.Key()
	case "decoy":
		return a.Decoy.Key()
	case "ip":
		return strings.ToLower(strings.TrimSpace(ev.Caller.IP))
	case "operation":
		return strings.ToLower(ev.Operation)
	case "class":
		return string(a.Class)
	case "severity":
		return string(a.Severity)
	}
	return ""
}
