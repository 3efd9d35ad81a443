package auditpath

import (
	"slices"
	"strings"
)

// Kind is a kind of destination a diagnostic setting sends to.
type Kind string

// The destination kinds honeyvault can read.
const (
	EventHub  Kind = "event hub"
	Storage   Kind = "storage account"
	Workspace Kind = "Log Analytics workspace"
)

// Destination is one place honeyvault reads audit records from. Names are
// kept as configured; comparisons ignore case.
type Destination struct {
	Kind Kind
	// Namespace is an Event Hubs namespace's name, and NamespaceID its ARM
	// id when known; Hub the hub ("" for any hub of the namespace: a
	// forwarder that reads them all).
	Namespace, NamespaceID, Hub string
	// Account is a storage account's name, AccountID its ARM id when known.
	Account, AccountID string
	// WorkspaceID is a workspace's ARM id.
	WorkspaceID string
}

// Destinations is the set of destinations honeyvault reads. The zero
// value reads nothing and knows it (Known is false).
type Destinations struct {
	list []Destination
	// vague are the kinds with a source whose destination is not known
	// (a plain Kafka broker, a workspace given by GUID only): any
	// destination of such a kind counts as read, since none can be ruled out.
	vague []Kind
}

// Add adds a destination.
func (d *Destinations) Add(dst Destination) { d.list = append(d.list, dst) }

// AddVague notes a source of kind k whose destination is not known.
func (d *Destinations) AddVague(k Kind) {
	if !slices.Contains(d.vague, k) {
		d.vague = append(d.vague, k)
	}
}

// List returns the known destinations, in the order added.
func (d *Destinations) List() []Destination { return slices.Clone(d.list) }

// Vague returns the kinds any destination of which counts as read.
func (d *Destinations) Vague() []Kind { return slices.Clone(d.vague) }

// Known reports whether honeyvault knows any destination it reads: without
// one (only the push endpoint and files), the check can say whether a
// vault sends AuditEvent at all, not where.
func (d *Destinations) Known() bool { return len(d.list) > 0 || len(d.vague) > 0 }

// Reads reports whether s sends AuditEvent to a destination honeyvault
// reads. Without any known destination (Known false) every setting that
// sends AuditEvent counts.
func (d *Destinations) Reads(s Setting) bool {
	if !s.SendsAuditEvent() {
		return false
	}
	if !d.Known() {
		return true
	}
	if s.EventHubAuthorizationRuleID != "" && d.readsHub(s.EventHubAuthorizationRuleID, s.hub()) {
		return true
	}
	if s.StorageAccountID != "" && d.readsAccount(s.StorageAccountID) {
		return true
	}
	return s.WorkspaceID != "" && d.readsWorkspace(s.WorkspaceID)
}

func (d *Destinations) readsHub(ruleID, hub string) bool {
	if slices.Contains(d.vague, EventHub) {
		return true
	}
	nsID, ns := armParent(ruleID, "microsoft.eventhub/namespaces")
	if ns == "" {
		return false
	}
	for _, dst := range d.list {
		if dst.Kind != EventHub || !strings.EqualFold(dst.Namespace, ns) {
			continue
		}
		if dst.NamespaceID != "" && !sameID(dst.NamespaceID, nsID) {
			continue
		}
		if dst.Hub == "" || strings.EqualFold(dst.Hub, hub) {
			return true
		}
	}
	return false
}

func (d *Destinations) readsAccount(id string) bool {
	if slices.Contains(d.vague, Storage) {
		return true
	}
	accID, name := armParent(id, "microsoft.storage/storageaccounts")
	if name == "" {
		return false
	}
	for _, dst := range d.list {
		if dst.Kind == Storage && strings.EqualFold(dst.Account, name) && (dst.AccountID == "" || sameID(dst.AccountID, accID)) {
			return true
		}
	}
	return false
}

func (d *Destinations) readsWorkspace(id string) bool {
	if slices.Contains(d.vague, Workspace) {
		return true
	}
	for _, dst := range d.list {
		if dst.Kind == Workspace && sameID(dst.WorkspaceID, id) {
			return true
		}
	}
	return false
}

// sameID compares ARM ids as Azure does: without regard to case or a
// trailing slash.
func sameID(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(strings.TrimSpace(a), "/"), strings.TrimRight(strings.TrimSpace(b), "/"))
}

// armParent finds provider/type/NAME in an ARM id (typ lower-cased, e.g.
// "microsoft.eventhub/namespaces") and returns the id up to NAME and NAME,
// or "" when id holds no such resource.
func armParent(id, typ string) (parentID, name string) {
	id = strings.TrimRight(strings.TrimSpace(id), "/")
	l := strings.ToLower(id)
	i := strings.Index(l, "/providers/"+typ+"/")
	if i < 0 || !strings.HasPrefix(l, "/subscriptions/") {
		return "", ""
	}
	rest := id[i+len("/providers/"+typ+"/"):]
	name, _, _ = strings.Cut(rest, "/")
	if name == "" {
		return "", ""
	}
	return id[:i+len("/providers/"+typ+"/")+len(name)], name
}
