package auditpath

import (
	"net"
	"net/url"
	"strings"

	"github.com/honeyvault/honeyvault/internal/config"
)

// FromConfig derives the destinations honeyvault reads from its settings:
// each eventhubs source's namespace and hub, each storage source's account,
// each loganalytics source's workspace_resource_id, and
// diagnostics.destinations (read through forwarders to the push endpoint).
// A source whose destination cannot be told makes its kind vague. File
// sources name no destination.
func FromConfig(c config.Config) *Destinations {
	d := &Destinations{}
	for _, s := range c.Ingest.EventHubs {
		ns, nsID := eventHubsNamespace(s)
		if ns == "" {
			d.AddVague(EventHub)
			continue
		}
		d.Add(Destination{Kind: EventHub, Namespace: ns, NamespaceID: nsID, Hub: eventHubsTopic(s)})
	}
	for _, s := range c.Ingest.Storage {
		if name := storageAccount(s); name != "" {
			d.Add(Destination{Kind: Storage, Account: name})
		} else {
			d.AddVague(Storage)
		}
	}
	for _, s := range c.Ingest.LogAnalytics {
		if id := strings.TrimSpace(s.WorkspaceResourceID); id != "" {
			d.Add(Destination{Kind: Workspace, WorkspaceID: id})
		} else {
			d.AddVague(Workspace)
		}
	}
	for _, id := range c.Diagnostics.Destinations {
		if dst, ok := ParseDestination(id); ok {
			d.Add(dst)
		}
	}
	return d
}

// ParseDestination reads the ARM id of an Event Hubs namespace (optionally
// …/eventhubs/HUB), a storage account or a workspace.
func ParseDestination(id string) (Destination, bool) {
	id = strings.TrimRight(strings.TrimSpace(id), "/")
	if nsID, ns := armParent(id, "microsoft.eventhub/namespaces"); ns != "" {
		hub := ""
		if rest := strings.Trim(id[len(nsID):], "/"); rest != "" {
			kind, name, _ := strings.Cut(rest, "/")
			if !strings.EqualFold(kind, "eventhubs") || name == "" || strings.Contains(name, "/") {
				return Destination{}, false
			}
			hub = name
		}
		return Destination{Kind: EventHub, Namespace: ns, NamespaceID: nsID, Hub: hub}, true
	}
	if accID, name := armParent(id, "microsoft.storage/storageaccounts"); name != "" && accID == id {
		return Destination{Kind: Storage, Account: name, AccountID: accID}, true
	}
	if wsID, name := armParent(id, "microsoft.operationalinsights/workspaces"); name != "" && wsID == id {
		return Destination{Kind: Workspace, WorkspaceID: id}, true
	}
	return Destination{}, false
}

// eventHubsNamespace is the source's namespace: as configured, else the
// first label of the connection string's or first broker's
// *.servicebus.* host.
func eventHubsNamespace(s config.EventHubsSource) (name, id string) {
	if ns := strings.TrimSpace(s.Namespace); ns != "" {
		if nsID, n := armParent(ns, "microsoft.eventhub/namespaces"); n != "" {
			return n, nsID
		}
		return ns, ""
	}
	host := ""
	if ep := connField(s.ConnectionString, "Endpoint"); ep != "" {
		if u, err := url.Parse(ep); err == nil {
			host = u.Hostname()
		}
	} else if len(s.Brokers) > 0 {
		host, _, _ = net.SplitHostPort(s.Brokers[0])
	}
	if label, rest, ok := strings.Cut(host, "."); ok && strings.HasPrefix(strings.ToLower(rest), "servicebus.") {
		return label, ""
	}
	return "", ""
}

// eventHubsTopic is the hub a source reads, as the eventhubs source picks it.
func eventHubsTopic(s config.EventHubsSource) string {
	if s.Topic != "" {
		return s.Topic
	}
	if p := connField(s.ConnectionString, "EntityPath"); p != "" {
		return p
	}
	return DefaultHub
}

// storageAccount is the account a storage source reads: the connection
// string's AccountName, else the account URL's first host label
// (ACCOUNT.blob.core.windows.net) or, for a path-style URL (an emulator's
// http://127.0.0.1:10000/ACCOUNT), its first path segment.
func storageAccount(s config.StorageSource) string {
	if n := connField(s.ConnectionString, "AccountName"); n != "" {
		return n
	}
	u, err := url.Parse(s.AccountURL)
	if err != nil || u.Host == "" {
		return ""
	}
	if label, rest, ok := strings.Cut(u.Hostname(), "."); ok && strings.HasPrefix(strings.ToLower(rest), "blob.") {
		return label
	}
	if net.ParseIP(u.Hostname()) != nil || strings.EqualFold(u.Hostname(), "localhost") {
		seg, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
		return seg
	}
	return ""
}

// connField reads key=value from an Azure connection string (any case of key).
func connField(cs, key string) string {
	for _, part := range strings.Split(cs, ";") {
		k, v, ok := strings.Cut(part, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
