package deploy

import (
	"context"
	"slices"
	"strings"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// maxKeyReads bounds how many keys' public parts are read per vault to
// learn its prevalent key type: enough to find the habit, few enough to
// stay quiet.
const maxKeyReads = 8

// retrier runs an operation, waiting out throttling (Deployer.throttled).
type retrier func(op func() error) error

// listing is what the live list calls of one vault returned, per type.
type listing struct {
	objects  map[registry.Type][]azure.Object
	outcomes map[registry.Type]listOutcome
}

// listLive makes one list call per type (all types: names of other types
// are taken too) and keeps what each answered.
func listLive(ctx context.Context, vc *azure.VaultClient, retry retrier) listing {
	l := listing{objects: map[registry.Type][]azure.Object{}, outcomes: map[registry.Type]listOutcome{}}
	for _, t := range registry.Types {
		var objs []azure.Object
		err := retry(func() (err error) {
			objs, err = vc.List(ctx, t)
			return err
		})
		l.objects[t], l.outcomes[t] = objs, listOutcome{tried: true, err: err}
		if ctx.Err() != nil {
			break
		}
	}
	return l
}

// inventory completes a listing into what the planner needs: deleted
// objects (their names stay taken) and key types read from the public part
// of a few keys that are not decoys. Types the identity cannot list are
// left out with a note.
func inventory(ctx context.Context, vc *azure.VaultClient, v azure.Vault, l listing, planted []registry.Decoy, needKeyTypes bool, retry retrier) (plant.Inventory, []string) {
	inv := plant.Inventory{VaultID: v.ID, TenantID: v.TenantID}
	var notes []string
	decoyNames := map[string]bool{}
	for _, d := range planted {
		decoyNames[strings.ToLower(d.Name)] = true
	}
	keyInfo := map[string]azure.KeyInfo{}
	if needKeyTypes && l.outcomes[registry.Key].err == nil {
		keys := slices.Clone(l.objects[registry.Key])
		// Newest first: the current habit matters more than old keys.
		slices.SortFunc(keys, func(a, b azure.Object) int { return b.Created.Compare(a.Created) })
		read := 0
		for _, k := range keys {
			if read == maxKeyReads || decoyNames[strings.ToLower(k.Name)] {
				continue
			}
			var ki azure.KeyInfo
			err := retry(func() (err error) {
				ki, err = vc.KeyInfo(ctx, k.Name)
				return err
			})
			if err != nil {
				if azure.IsForbidden(err) {
					notes = append(notes, "key types not read (keys/get refused): the house default is used")
					break
				}
				continue
			}
			keyInfo[strings.ToLower(k.Name)] = ki
			read++
		}
	}
	for _, t := range registry.Types {
		if err := l.outcomes[t].err; err != nil {
			notes = append(notes, string(t)+"s not listed ("+shortErr(err)+"): their names cannot be avoided")
			continue
		}
		objs := l.objects[t]
		var deleted []azure.Object
		err := retry(func() (err error) {
			deleted, err = vc.ListDeleted(ctx, t)
			return err
		})
		if err != nil {
			notes = append(notes, "deleted "+string(t)+"s not listed: "+shortErr(err))
		}
		for _, o := range append(slices.Clone(objs), deleted...) {
			po := plant.Object{Name: o.Name, Type: t, ContentType: o.ContentType, Tags: o.Tags, Created: o.Created, Updated: o.Updated,
				NotBefore: o.NotBefore, Expires: o.Expires, Managed: o.Managed, Deleted: o.Deleted}
			if ki, ok := keyInfo[strings.ToLower(o.Name)]; ok && (t == registry.Key || t == registry.Certificate) {
				po.KeyType, po.KeySize, po.Curve = plant.KeyType(ki.Type), ki.Size, ki.Curve
			}
			inv.Objects = append(inv.Objects, po)
		}
	}
	return inv, notes
}
