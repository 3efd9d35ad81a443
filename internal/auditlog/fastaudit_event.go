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
	setIfEmpty(&c.ObjectID, f.firstClaim(claimObjectID))
	setIfEmpty(&c.UPN, f.firstClaim(claimUPN))
	setIfEmpty(&c.UPN, f.firstClaim(claimUniqueName))
	setIfEmpty(&c.AppID, f.firstClaim(claimAppID))
	setIfEmpty(&c.TenantID, f.firstClaim(claimTenantID))
	setIfEmpty(&c.IP, f.firstClaim(claimIPAddr))
}

func (f *fastAudit) firstClaim(names []string) string {
	for _, n := range names {
		if v := strings.TrimSpace(f.claims[fastClaimIndex[n]]); v != "" {
			return v
		}
	}
	return ""
}
