package auditlog

import "strings"

// event builds the Event the general path (wire.audit) builds from the
// same members, or declines the record where that path would read it as
// another kind or refuse it (its error is the general path's to give).
func (f *fastAudit) event() (Event, bool) {
	// wire.isSignIn and wire.isActivity look at the category and the
	// operation: Key Vault's audit category only, and an operation that
	// is no Activity-log path.
	if f.seen&keyCategory != 0 && f.category != "AuditEvent" || strings.Contains(f.operation, "/") {
		return Event{}, false
	}
	ev := Event{Kind: KindAudit, Shape: ShapeAuditEvent}
	var err error
	if ev.Time, err = parseTime(first(f.time)); err != nil {
		return Event{}, false
	}
	ev.Operation = strings.TrimSpace(f.operation)
	ev.Category = f.category
	ev.ResultType = f.resultType
	ev.ResultSignature = f.resultSignature
	ev.ResultDescription = f.resultDesc
	ev.CorrelationID = strings.TrimSpace(f.correlationID)
	ev.RequestURI = first(f.propRequestURI)
	ev.ObjectURI = first(f.propID)
	ev.HTTPStatus = f.propStatus
	if ev.Operation == "" && ev.RequestURI == "" && ev.ObjectURI == "" {
		return Event{}, false
	}
	ev.ResourceID = first(f.resourceID)
	ev.VaultID = VaultIDOf(ev.ResourceID)
	ev.setObject()

	c := &ev.Caller
	c.IP = strings.TrimSpace(f.callerIP)
	c.ClientInfo = first(f.propClientInfo)
	f.fillClaims(c)
	ev.storable()
	return ev, true
}

// fillClaims is claimSet.fill over the claims read.
func (f *fastAudit) fillClaims(c *Caller) {
	if f.claimSeen == 0 {
		return
	}
	setIfEmpty(&c.ObjectID, f.firstClaim(claimSlots.objectID))
	setIfEmpty(&c.UPN, f.firstClaim(claimSlots.upn))
	setIfEmpty(&c.UPN, f.firstClaim(claimSlots.uniqueName))
	setIfEmpty(&c.AppID, f.firstClaim(claimSlots.appID))
	setIfEmpty(&c.TenantID, f.firstClaim(claimSlots.tenantID))
	setIfEmpty(&c.IP, f.firstClaim(claimSlots.ipAddr))
}

// claimSlots are claimSet.fill's lists of names as slots of
// fastAudit.claims, looked up once.
var claimSlots = struct{ objectID, upn, uniqueName, appID, tenantID, ipAddr []int }{
	slotsOf(claimObjectID), slotsOf(claimUPN), slotsOf(claimUniqueName), slotsOf(claimAppID), slotsOf(claimTenantID), slotsOf(claimIPAddr),
}

func slotsOf(names []string) []int {
	slots := make([]int, len(names))
	for i, n := range names {
		slot, ok := fastClaimIndex[n]
		if !ok {
			panic("auditlog: claim " + n + " missing from fastClaimNames")
		}
		slots[i] = slot
	}
	return slots
}

func (f *fastAudit) firstClaim(slots []int) string {
	for _, i := range slots {
		if v := strings.TrimSpace(f.claims[i]); v != "" {
			return v
		}
	}
	return ""
}
