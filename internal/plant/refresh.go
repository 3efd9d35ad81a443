package plant

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// Bounds of a refresh interval: a vault whose secrets change hourly does
// not get its decoys rewritten hourly (each write is a new version and an
// audit record), and one whose secrets never change still sees its decoys
// change now and then, so that none is the one object untouched for years.
const (
	MinRefreshInterval = 24 * time.Hour
	MaxRefreshInterval = 2 * 365 * 24 * time.Hour
	// minHabitSecrets is how many real secrets a vault needs for its
	// habits to be learned; with fewer, the caller's fallback is used.
	minHabitSecrets = 3
)

// RefreshInterval is how often the vault's real secrets get a new
// version, as its list calls tell it: each secret's latest version's
// updated time. If a vault replaces a secret every T, the latest version's
// age is spread evenly over 0..T, so T is about twice the median age.
// decoys names the vault's decoys (lower case), which are not learned
// from, nor are secrets that back certificates, deleted ones and
// honeyvault's heartbeat. With fewer than three secrets left it returns
// fallback and false. The result is kept within MinRefreshInterval and
// MaxRefreshInterval.
func RefreshInterval(objs []Object, decoys map[string]bool, now time.Time, fallback time.Duration) (time.Duration, bool) {
	var ages []time.Duration
	for _, o := range objs {
		if o.Type != registry.Secret || o.Managed || o.Deleted || decoys[strings.ToLower(o.Name)] || registry.IsHeartbeatName(o.Name) {
			continue
		}
		at := o.Updated
		if at.IsZero() {
			at = o.Created
		}
		if at.IsZero() || at.After(now) {
			continue
		}
		ages = append(ages, now.Sub(at))
	}
	if len(ages) < minHabitSecrets {
		return clampRefresh(fallback), false
	}
	slices.Sort(ages)
	median := ages[len(ages)/2]
	if len(ages)%2 == 0 {
		median = (ages[len(ages)/2-1] + ages[len(ages)/2]) / 2
	}
	return clampRefresh(2 * median), true
}

func clampRefresh(d time.Duration) time.Duration {
	return min(max(d, MinRefreshInterval), MaxRefreshInterval)
}

// RefreshAfter is how old a decoy's current version may grow before it
// gets a new one: interval stretched by a factor between 0.75 and 1.25
// drawn from seed (the decoy and its version), so that a vault's decoys
// do not all change at once, and the same version always gets the same
// answer whenever it is asked.
func RefreshAfter(interval time.Duration, seed string) time.Duration {
	sum := sha256.Sum256([]byte(seed))
	frac := float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53) // in [0, 1)
	return time.Duration(float64(interval) * (0.75 + 0.5*frac))
}

// SecretValueSpec says how to make a new value for decoy secret name in
// the vault inv describes, as planning does: the kind of value its name
// calls for, with hints from the vault's name and real objects (those not
// in decoys, lower case names).
func SecretValueSpec(inv Inventory, name string, decoys map[string]bool) (ValueSpec, error) {
	vaultName, err := registry.VaultNameFromID(inv.VaultID)
	if err != nil {
		return ValueSpec{}, err
	}
	var real []Object
	for _, o := range inv.Objects {
		if !decoys[strings.ToLower(o.Name)] && !o.Deleted && registry.ValidObjectName(o.Name) {
			real = append(real, o)
		}
	}
	return valueSpecOf(name, vaultHints(inv, vaultName, newStyles(real).of(""))), nil
}

// valueSpecOf is the value a secret named name holds, with hints h.
func valueSpecOf(name string, h ValueHints) ValueSpec {
	words := splitWords(name)
	kind := kindOfWords(words)
	v := ValueSpec{Kind: kind, Hints: h}
	if vendor := vendorOf(words); kind == KindAPIKey || kind == KindSigningKey && vendor == "webhook" ||
		kind == KindServiceBusConnection && vendor == "eventhub" {
		v.Vendor = vendor
	}
	return v
}
