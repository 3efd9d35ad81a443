package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/store"
)

// resolveEntraSignIns makes each service-principal sign-in (auditlog.
// KindSignIn) whose app id is an Entra ID canary's a use of that canary's
// decoy: an auditlog.KindCanary event with operation canary:entra naming
// the decoy, matched and raised like a listener's hit (class
// used-outside-key-vault, joining the decoy's open incident). The stored
// record stays the sign-in it was; only what detection judges changes.
// Sign-ins of other apps are left alone and raise nothing. The decoy is
// added to the index first, as CanarySink does: the secret may be tried
// the second it is planted.
func (d *detection) resolveEntraSignIns(ctx context.Context, tx *store.Tx, fresh []store.Fresh) ([]store.Fresh, error) {
	var out []store.Fresh // a copy, made at the first sign-in resolved
	for i, f := range fresh {
		ev := f.Event
		if ev.Kind != auditlog.KindSignIn || !canary.ValidAppID(ev.Caller.AppID) {
			continue
		}
		dec, err := tx.EntraCanaryDecoy(ctx, ev.Caller.AppID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := d.matcher.Index().Add(dec); err != nil {
			return nil, fmt.Errorf("canary: %w", err)
		}
		if out == nil {
			out = slices.Clone(fresh)
		}
		use := *ev
		use.Kind, use.Operation = auditlog.KindCanary, canary.KindEntra.Operation()
		use.VaultID, use.VaultName, use.ObjectType, use.ObjectName = dec.VaultID, strings.ToLower(dec.VaultName), dec.Type, dec.Name
		out[i].Event = &use
	}
	if out == nil {
		return fresh, nil
	}
	return out, nil
}
