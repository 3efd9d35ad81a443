package kvemu

import (
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
