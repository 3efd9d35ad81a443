package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// settleFailedRefresh decides what a refresh's failed write leaves behind.
// The new token and the planter's allow rule were registered before the
// write, and must be: the write's audit record may reach detection before
// the vault's answer reaches honeyvault (unlisted, it would alert), and
// the new value may be read and used the moment it exists (untracked, it
// would not). So they are taken back once the vault is known not to hold
// the new version, and kept only while it may: a token never planted must
// name nothing, and a rule for no write must let nothing through.
//
// A client error (azure.Definite; or a throttle longer than honeyvault
// waits) proves nothing was written. Otherwise (a 5xx, a timeout, a lost
// connection) the vault is asked with a list call, which names no decoy:
// a latest version newer than cur (the one refresh replaced) means the
// write landed, and landed is the vault's view of it for the baseline;
// the same version means it did not. When the vault cannot be asked
// either, both stay and the error says so: reconcile settles it.
func (d *Deployer) settleFailedRefresh(ctx context.Context, vc *azure.VaultClient, v azure.Vault, pd store.PlantedDecoy, cur *azure.Object,
	can *store.NewCanary, allow *store.AllowRule, writeErr error) (landed *azure.Object, err error) {
	failed := fmt.Errorf("deploy: vault %s: a new version of decoy %d: %w", v.Name, pd.ID, writeErr)
	why := "the vault refused the write"
	if !azure.Definite(writeErr) && !isTooLong(writeErr) {
		var live []azure.Object
		lerr := d.throttled(ctx, v, func() (err error) {
			live, err = vc.List(ctx, registry.Secret)
			return err
		})
		if lerr != nil {
			return nil, fmt.Errorf("%w; whether it was written is unknown (listing the vault: %v), so its new canary token and allow rule stay until reconcile settles it", failed, lerr)
		}
		for i, o := range live {
			if strings.EqualFold(o.Name, pd.Name) && !sameSecond(o.Created, cur.Created) {
				d.log().Info("deploy: a refresh's write got no clear answer but landed", "vault", v.Name, "decoy_id", pd.ID)
				return &live[i], nil
			}
		}
		why = "the write got no clear answer and the vault still holds the old version"
	}
	var token string
	if can != nil {
		token = can.Token
	}
	// Settled even when ctx ended: the write is over either way.
	if aerr := d.Store.AbandonRefresh(context.WithoutCancel(ctx), pd.ID, token, allow.ID, why, d.who("refresh: taken back")); aerr != nil {
		return nil, errors.Join(failed, fmt.Errorf("deploy: vault %s: decoy %d: taking back the refresh's token and allow rule: %w", v.Name, pd.ID, aerr))
	}
	return nil, failed
}
