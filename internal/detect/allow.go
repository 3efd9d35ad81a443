package detect

import (
	"errors"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// AllowRule suppresses alerts for one identity — the planter, a
// reconciliation job — optionally only for some operations, only on some
// decoys (Scope) and until an expiry. Suppressed alerts are still produced (Alert.Suppressed) so they
// can be recorded and counted.
//
// A rule on an application id matches every caller that signs in through
// that application: allow-listing a public client (Azure CLI, PowerShell,
// the portal) would silence every user of it. Prefer object ids.
type AllowRule struct {
	// Identity is an object id, application id or UPN, compared
	// case-insensitively with the caller's object id, app id and UPN.
	Identity string
	// Operations limits the rule to these operation names (SecretSet) or
	// classes (write), in any case; empty means every operation.
	Operations []string
	// Expires ends the rule: accesses at or after it (by the record's own
	// time) alert again. Zero means never.
	Expires time.Time
	// Note says why the rule exists.
	Note string
	// Scope limits the rule to some decoys; the zero Scope covers all.
	Scope Scope
}

// Scope names the decoys a rule covers: those in VaultID (an ARM id),
// of Type, named Name — each compared case-insensitively, each empty for
// any. Planting stores a rule scoped to each decoy it creates, so that the
// planter's own create of that decoy does not alert, and nothing else.
type Scope struct {
	VaultID string
	Type    registry.Type
	Name    string
}

// IsZero reports whether the scope covers every decoy.
func (s Scope) IsZero() bool { return s == Scope{} }

// Covers reports whether d is in the scope.
func (s Scope) Covers(d registry.Decoy) bool {
	if s.VaultID != "" && registry.VaultKey(s.VaultID) != registry.VaultKey(d.VaultID) {
		return false
	}
	if s.Type != "" && s.Type != d.Type {
		return false
	}
	// Names compare as the decoy's store compares them: exactly in Vault
	// and Secrets Manager, in any case in Key Vault.
	return s.Name == "" || registry.NameKey(d.VaultID, s.Name) == registry.NameKey(d.VaultID, d.Name)
}

// Validate reports what is wrong with the rule.
func (r AllowRule) Validate() error {
	if strings.TrimSpace(r.Identity) == "" {
		return errors.New("detect: allow rule without an identity (want an object id, app id or UPN)")
	}
	return nil
}

// Matches reports whether the rule covers an access by c of operation op
// (of class class) at time at.
func (r AllowRule) Matches(c auditlog.Caller, op string, class Class, at time.Time) bool {
	id := strings.TrimSpace(r.Identity)
	if id == "" {
		return false
	}
	if !r.Expires.IsZero() && !at.Before(r.Expires) {
		return false
	}
	if !strings.EqualFold(id, c.ObjectID) && !strings.EqualFold(id, c.AppID) && !strings.EqualFold(id, c.UPN) {
		return false
	}
	if len(r.Operations) == 0 {
		return true
	}
	for _, o := range r.Operations {
		o = strings.TrimSpace(o)
		if strings.EqualFold(o, op) || strings.EqualFold(o, string(class)) {
			return true
		}
	}
	return false
}

// AllowList is a set of rules; the first that matches wins.
type AllowList []AllowRule

// Allowed returns the first rule covering an access to decoy d, if any.
func (l AllowList) Allowed(d registry.Decoy, c auditlog.Caller, op string, class Class, at time.Time) (AllowRule, bool) {
	for _, r := range l {
		if r.Scope.Covers(d) && r.Matches(c, op, class, at) {
			return r, true
		}
	}
	return AllowRule{}, false
}
