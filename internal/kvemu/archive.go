package kvemu

import (
	"bytes"
	"fmt"
	"time"
)

// Containers Azure Monitor writes resource logs and the Activity log to,
// in storage accounts (and the default Event Hubs names).
const (
	AuditContainer    = "insights-logs-auditevent"
	ActivityContainer = "insights-activity-logs"
)

// ArchivePath is where Azure Monitor files a record in a storage account:
// the container and the hourly append blob, e.g.
//
//	insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/{S}/RESOURCEGROUPS/{RG}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{V}/y=2026/m=11/d=20/h=08/m=00/PT1H.json
//
// resourceID is the record's UPPER-CASED resource id (a subscription for
// the Activity log).
func ArchivePath(category, resourceID string, t time.Time) (container, blob string) {
	t = t.UTC()
	container = AuditContainer
	if category == CategoryAdministrative {
		container = ActivityContainer
	}
	y, m, d := t.Date()
	return container, fmt.Sprintf("resourceId=%s/y=%04d/m=%02d/d=%02d/h=%02d/m=00/PT1H.json", resourceID, y, int(m), d, t.Hour())
}

// ArchiveBlob is the part of a batch bound for one archive blob.
type ArchiveBlob struct {
	Container, Name string // as ArchivePath names them
	Lines           []byte // the records as JSON lines, each ending in a newline
}

// ArchiveBlobs splits b by the archive blob each record belongs in (see
// ArchivePath), in the order the blobs first appear: what a sink appends
// to a storage account, or to files laid out like one.
func (b Batch) ArchiveBlobs() []ArchiveBlob {
	type key struct{ container, name string }
	bufs := map[key]*bytes.Buffer{}
	var order []key
	for _, r := range b.Records {
		c, name := ArchivePath(r.Category, r.ResourceID, r.Time)
		k := key{c, name}
		if bufs[k] == nil {
			bufs[k] = &bytes.Buffer{}
			order = append(order, k)
		}
		bufs[k].Write(r.JSON)
		bufs[k].WriteByte('\n')
	}
	out := make([]ArchiveBlob, len(order))
	for i, k := range order {
		out[i] = ArchiveBlob{Container: k.container, Name: k.name, Lines: bufs[k].Bytes()}
	}
	return out
}
