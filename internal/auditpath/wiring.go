package auditpath

import (
	"errors"
	"fmt"
	"strings"
)

// WiringName is the name of the diagnostic setting honeyvault creates on a
// vault (honeyvault azure connect, the fix coverage shows): a setting of
// that name is honeyvault's to replace; no other is touched.
const WiringName = "honeyvault"

// DefaultRule is the authorization rule of an Event Hubs namespace a
// setting sends through when the configuration names none: the one every
// namespace is created with.
const DefaultRule = "RootManageSharedAccessKey"

// MaxSettings is how many diagnostic settings Azure allows on a resource.
const MaxSettings = 5

// ErrNoWiring is Wiring's error when the configuration names no destination
// precisely enough to write a setting for it.
var ErrNoWiring = errors.New("no destination honeyvault reads is known by its Azure resource id")

// Wiring is the diagnostic setting that sends a vault's AuditEvent to the
// first destination honeyvault reads whose Azure resource id is known: an
// Event Hubs namespace (through DefaultRule, to its configured hub or
// Azure's default one), a storage account or a workspace.
func (d *Destinations) Wiring() (Setting, error) {
	s := Setting{Name: WiringName, Logs: []Log{{Category: "AuditEvent", Enabled: true}}}
	var missing []string
	for _, dst := range d.list {
		switch {
		case dst.Kind == EventHub && dst.NamespaceID != "":
			s.EventHubAuthorizationRuleID = strings.TrimRight(dst.NamespaceID, "/") + "/authorizationRules/" + DefaultRule
			s.EventHubName = dst.Hub
			return s, nil
		case dst.Kind == Storage && dst.AccountID != "":
			s.StorageAccountID = strings.TrimRight(dst.AccountID, "/")
			return s, nil
		case dst.Kind == Workspace && dst.WorkspaceID != "":
			s.WorkspaceID = strings.TrimRight(dst.WorkspaceID, "/")
			return s, nil
		case dst.Kind == EventHub:
			missing = append(missing, "the Event Hubs namespace "+dst.Namespace+" (set its namespace to the ARM id, or list it in diagnostics.destinations)")
		case dst.Kind == Storage:
			missing = append(missing, "the storage account "+dst.Account+" (list its ARM id in diagnostics.destinations)")
		}
	}
	if len(missing) > 0 {
		return Setting{}, fmt.Errorf("%w: only the name of %s", ErrNoWiring, strings.Join(missing, ", and of "))
	}
	return Setting{}, fmt.Errorf("%w: configure an eventhubs, storage or loganalytics source, or diagnostics.destinations", ErrNoWiring)
}
