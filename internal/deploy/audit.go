package deploy

import (
	"context"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/store"
)

// who is the audit entry for a change this deployer makes: Actor (else the
// planter) with detail, which always names the planter.
func (d *Deployer) who(detail string) store.AuditEntry {
	actor := d.Actor
	if actor == "" {
		actor = d.Planter.String()
	}
	by := fmt.Sprintf("as planter %s (object id %s)", d.Planter, d.Planter.ObjectID)
	if detail != "" {
		by = detail + "; " + by
	}
	return store.AuditEntry{Actor: actor, Detail: by}
}

// audit records a change made outside the database (an access policy in
// Azure) in the audit trail. The change has happened whatever the trail
// says, so a failure to record it is logged, not returned.
func (d *Deployer) audit(ctx context.Context, action, target, detail string) {
	e := d.who(detail)
	e.Action, e.Target = action, target
	if err := d.Store.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		d.log().Error("deploy: audit trail: unable to record", "action", action, "err", err)
	}
}
