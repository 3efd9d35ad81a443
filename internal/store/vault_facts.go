package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// DecoyCount is how many decoys of one vault have one type and status.
type DecoyCount struct {
	VaultKey string // registry.VaultKey of the vault
	Type     registry.Type
	Status   registry.Status
	N        int
}

// OpenFinding is an open reconcile finding on a decoy that is not retired,
// by vault and the decoy's type: what coverage needs of findings.
type OpenFinding struct {
	VaultKey string
	Type     registry.Type
	Kind     FindingKind
}

// decoysIn is the condition selecting the decoys of f's subscriptions and
// scope, over columns prefixed by prefix.
func decoysIn(f VaultFilter, p *params, prefix string) []string {
	var where []string
	if len(f.Subscriptions) > 0 {
		subs := make([]string, len(f.Subscriptions))
		for i, sub := range f.Subscriptions {
			subs[i] = strings.ToLower(sub)
		}
		where = append(where, prefix+"subscription_key IN ("+list(p, subs)+")")
	}
	if f.Scope != nil {
		where = append(where, f.Scope.whereFor(p, prefix))
	}
	return where
}

// CountDecoysByVault counts the decoys of the vaults f selects (its
// subscriptions and scope; IncludeGone does not apply) by vault, type and
// status: one row per combination, however many decoys there are, in no
// particular order.
func (s *Store) CountDecoysByVault(ctx context.Context, f VaultFilter) ([]DecoyCount, error) {
	var p params
	// Not sorted: coverage does not need an order, and PostgreSQL sorting
	// thousands of rows of long keys in a language's collation took as long
	// as counting them.
	rows, err := s.r.QueryContext(ctx, "SELECT vault_key, type, status, COUNT(*) FROM decoys"+whereClause(decoysIn(f, &p, ""))+
		" GROUP BY vault_key, type, status", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to count decoys: %w", err)
	}
	defer rows.Close()
	var out []DecoyCount
	for rows.Next() {
		var c DecoyCount
		var typ, status string
		if err := rows.Scan(&c.VaultKey, &typ, &status, &c.N); err != nil {
			return nil, fmt.Errorf("store: unable to count decoys: %w", err)
		}
		c.Type, c.Status = registry.Type(typ), registry.Status(status)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to count decoys: %w", err)
	}
	return out, nil
}

// OpenFindingsByVault lists the open findings on decoys that are not
// retired, in the vaults f selects (as CountDecoysByVault).
func (s *Store) OpenFindingsByVault(ctx context.Context, f VaultFilter) ([]OpenFinding, error) {
	var p params
	where := append([]string{"f.resolved_at = 0", "d.status <> " + p.add(string(registry.Retired))}, decoysIn(f, &p, "d.")...)
	rows, err := s.r.QueryContext(ctx, "SELECT d.vault_key, d.type, f.kind FROM decoy_findings f JOIN decoys d ON d.id = f.decoy_id"+
		whereClause(where)+" ORDER BY f.id", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list findings: %w", err)
	}
	defer rows.Close()
	var out []OpenFinding
	for rows.Next() {
		var o OpenFinding
		var typ, kind string
		if err := rows.Scan(&o.VaultKey, &typ, &kind); err != nil {
			return nil, fmt.Errorf("store: unable to list findings: %w", err)
		}
		o.Type, o.Kind = registry.Type(typ), FindingKind(kind)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list findings: %w", err)
	}
	return out, nil
}

// ActiveDecoysByVault counts the active decoys of every vault holding one,
// by vault key (registry.VaultKey).
func (s *Store) ActiveDecoysByVault(ctx context.Context) (map[string]int, error) {
	counts, err := s.CountDecoysByVault(ctx, VaultFilter{})
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, c := range counts {
		if c.Status == registry.Active {
			out[c.VaultKey] += c.N
		}
	}
	return out, nil
}
