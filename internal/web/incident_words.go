package web

import (
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// callerName is how a person reads a caller: the UPN, else the app id,
// else the object id, else the address.
func callerName(c auditlog.Caller) string {
	switch {
	case c.UPN != "":
		return c.UPN
	case c.AppID != "":
		return "app " + c.AppID
	case c.ObjectID != "":
		return c.ObjectID
	case c.IP != "":
		return c.IP
	}
	return "an unknown caller"
}

// hotOperation reports whether an alert's operation took the decoy's value
// or material out: value reads, decrypt/unwrap, backup, and purge (which
// destroys evidence). Lists highlight these.
func hotOperation(class, op string) bool {
	switch detect.Class(class) {
	case detect.ClassRead, detect.ClassBackup, detect.ClassPurge, detect.ClassCanary:
		return true
	case detect.ClassCrypto:
		o := strings.ToLower(op)
		return strings.Contains(o, "decrypt") || strings.Contains(o, "unwrap")
	}
	return false
}

// verb is what an alert did, as it succeeded and as it was refused.
type verb struct{ done, tried string }

var classVerbs = map[detect.Class]verb{
	detect.ClassRead:         {"read", "tried to read"},
	detect.ClassBackup:       {"backed up", "tried to back up"},
	detect.ClassRestore:      {"restored", "tried to restore"},
	detect.ClassRecover:      {"recovered", "tried to recover"},
	detect.ClassListVersions: {"listed the versions of", "tried to list the versions of"},
	detect.ClassGetDeleted:   {"read the deleted copy of", "tried to read the deleted copy of"},
	detect.ClassMetadata:     {"read the settings of", "tried to read the settings of"},
	detect.ClassWrite:        {"wrote a new version of", "tried to write a new version of"},
	detect.ClassUpdate:       {"changed", "tried to change"},
	detect.ClassDelete:       {"deleted", "tried to delete"},
	detect.ClassPurge:        {"purged", "tried to purge"},
	// A canary hit has no HTTP status: the use itself is the deed.
	detect.ClassCanary: {"used, outside Key Vault, the value of", "used, outside Key Vault, the value of"},
}

// cryptoVerbs name the key operations; a crypto operation not listed is
// "used".
var cryptoVerbs = []struct {
	op string
	v  verb
}{
	{"unwrap", verb{"unwrapped with", "tried to unwrap with"}},
	{"decrypt", verb{"decrypted with", "tried to decrypt with"}},
	{"wrap", verb{"wrapped with", "tried to wrap with"}},
	{"encrypt", verb{"encrypted with", "tried to encrypt with"}},
	{"verify", verb{"verified with", "tried to verify with"}},
	{"sign", verb{"signed with", "tried to sign with"}},
}

func alertVerb(a store.Alert) verb {
	if c := detect.Class(a.Class); c.IsTamper() { // a change to the vault: the verb says it all
		return verb{detect.DescribeTamper(c, false), detect.DescribeTamper(c, true)}
	}
	if detect.Class(a.Class) == detect.ClassCrypto {
		o := strings.ToLower(a.Operation)
		for _, c := range cryptoVerbs {
			if strings.Contains(o, c.op) {
				return c.v
			}
		}
		return verb{"used", "tried to use"}
	}
	if v, ok := classVerbs[detect.Class(a.Class)]; ok {
		return v
	}
	return verb{"touched", "tried to touch"}
}

// incidentSentence says in plain words what an incident's alerts did, as
// its page and list lead with it: "mallory@contoso.com read 3 decoy secrets
// and decrypted with 1 decoy key in kv-payments-prod-weu from 203.0.113.7".
// alerts are in time order; without them the title stands in.
func incidentSentence(in store.Incident, alerts []store.Alert) string {
	if len(alerts) == 0 {
		return in.Title + " in " + in.VaultName
	}
	if words := incident.DescribeHealth(detect.Class(alerts[len(alerts)-1].Class)); words != "" {
		// A monitoring gap: no caller, no decoy; the latest alert says
		// where it stands.
		return incident.HeartbeatCaller + " " + words + " (" + in.VaultName + ")"
	}
	who := callerName(alerts[0].Caller)
	// Per verb (in order of first use): the distinct decoys per type, and
	// whether any of its requests succeeded.
	type deed struct {
		v       verb
		ok      bool
		decoys  map[string]map[string]bool // type → decoy keys
		typeSeq []string
	}
	var deeds []*deed
	byVerb := map[verb]*deed{}
	vaults, ips := ordered{}, ordered{}
	for _, a := range alerts {
		v := alertVerb(a)
		d := byVerb[v]
		if d == nil {
			d = &deed{v: v, decoys: map[string]map[string]bool{}}
			byVerb[v] = d
			deeds = append(deeds, d)
		}
		vaults.add(a.VaultName)
		ips.add(a.Caller.IP)
		if detect.Class(a.Class).IsTamper() {
			// An Activity record: no HTTP status, no decoy.
			d.ok = d.ok || !detect.ChangeRefused(a.ResultType)
			continue
		}
		if a.HTTPStatus < 400 {
			d.ok = true
		}
		t := a.TokenType
		if d.decoys[t] == nil {
			d.decoys[t] = map[string]bool{}
			d.typeSeq = append(d.typeSeq, t)
		}
		d.decoys[t][a.DecoyKey] = true
	}
	var phrases []string
	for _, d := range deeds {
		var things []string
		for _, t := range d.typeSeq {
			things = append(things, countNoun(len(d.decoys[t]), "decoy "+t))
		}
		v := d.v.tried
		if d.ok {
			v = d.v.done
		}
		if len(things) == 0 {
			phrases = append(phrases, v)
			continue
		}
		phrases = append(phrases, v+" "+andList(things))
	}
	s := who + " " + andList(phrases)
	switch len(vaults) {
	case 0:
	case 1, 2:
		s += " in " + andList(vaults)
	default:
		s += fmt.Sprintf(" in %d vaults", len(vaults))
	}
	if len(ips) == 1 {
		s += " from " + ips[0]
	}
	return s
}

// ordered is a list of distinct non-empty strings in order of arrival.
type ordered []string

func (o *ordered) add(s string) {
	if s == "" {
		return
	}
	for _, x := range *o {
		if x == s {
			return
		}
	}
	*o = append(*o, s)
}

// countNoun is "1 decoy key" or "3 decoy keys".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// andList joins "a", "a and b", "a, b and c".
func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
