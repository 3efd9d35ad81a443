package deploy

import (
	"context"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/store"
)

// allowGrant stores an allow rule for the planter's own access-policy
// change on one vault, just before it is sent: the tamper rule on
// access-policy writes must not raise the temporary grant that planting
// makes and removes. The rule is scoped to the vault and that one
// operation, and expires like the planter's other rules, so the planter's
// later changes alert again. Detection reads the stored rules inside the
// transaction that records the change's Activity record, so it covers a
// record that arrives at once.
func (d *Deployer) allowGrant(ctx context.Context, vaultID, vault, why string) error {
	allowFor := d.AllowFor
	if allowFor <= 0 {
		allowFor = DefaultAllowFor
	}
	err := d.Store.AddAllowRule(ctx, &store.AllowRule{Identity: d.Planter.ObjectID, Operations: []string{detect.OpAccessPoliciesWrite},
		VaultID: vaultID, Expires: d.now().Add(allowFor), Note: "honeyvault " + why + " by " + d.Planter.String()},
		d.who("stored before the planter changes its access policy on vault "+vault))
	if err != nil {
		return fmt.Errorf("deploy: vault %s: allow-listing the planter's access-policy change: %w", vault, err)
	}
	return nil
}
