package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Entities are what an incident's alerts name: who (accounts), from where
// (IPs, client software), on what (vaults, decoys) and how (operations). Each
// list is distinct and sorted.
type Entities struct {
	Accounts    []Account
	IPs         []string
	Vaults      []string // vault ARM ids
	Decoys      []EntityDecoy
	Operations  []string
	ClientInfos []string
	CallerKeys  []string // see auditlog.Caller.Key
	VaultNames  []string
}

// Account is one caller identity.
type Account struct {
	ObjectID, UPN, AppID, TenantID string
}

// EntityDecoy is one decoy an incident touched.
type EntityDecoy struct {
	VaultName, Name, Type string
}

// IncidentEntities collects the entities of incident id's alerts.
func (s *Store) IncidentEntities(ctx context.Context, id int64) (Entities, error) {
	var e Entities
	strs := func(col string, into *[]string) error {
		rows, err := s.r.QueryContext(ctx, "SELECT DISTINCT "+col+" FROM alerts WHERE incident_id = $1 AND "+col+" <> '' ORDER BY "+col, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			*into = append(*into, v)
		}
		return rows.Err()
	}
	for col, into := range map[string]*[]string{"caller_ip": &e.IPs, "vault_id": &e.Vaults, "operation": &e.Operations,
		"client_info": &e.ClientInfos, "caller_key": &e.CallerKeys, "vault_name": &e.VaultNames} {
		if err := strs(col, into); err != nil {
			return Entities{}, fmt.Errorf("store: unable to read incident entities: %w", err)
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT caller_object_id, caller_upn, caller_app_id, caller_tenant_id
		FROM alerts WHERE incident_id = $1 ORDER BY caller_object_id, caller_upn, caller_app_id, caller_tenant_id`, id)
	if err != nil {
		return Entities{}, fmt.Errorf("store: unable to read incident entities: %w", err)
	}
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.ObjectID, &a.UPN, &a.AppID, &a.TenantID); err != nil {
			rows.Close()
			return Entities{}, fmt.Errorf("store: unable to read incident entities: %w", err)
		}
		e.Accounts = append(e.Accounts, a)
	}
	rows.Close()
	rows, err = s.r.QueryContext(ctx, `SELECT DISTINCT vault_name, token, token_type FROM alerts WHERE incident_id = $1
		ORDER BY vault_name, token, token_type`, id)
	if err != nil {
		return Entities{}, fmt.Errorf("store: unable to read incident entities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d EntityDecoy
		if err := rows.Scan(&d.VaultName, &d.Name, &d.Type); err != nil {
			return Entities{}, fmt.Errorf("store: unable to read incident entities: %w", err)
		}
		e.Decoys = append(e.Decoys, d)
	}
	return e, rows.Err()
}

// VaultCaller summarises one caller's events on a vault.
type VaultCaller struct {
	CallerKey string
	UPN       string // one of the UPNs seen with that key
	IP        string // one of the IPs seen with that key
	Events    int
	First     time.Time
	Last      time.Time
	// Unauthenticated is set when the requests carried no identity, only
	// the client's address: requests sent without a token, which Key Vault
	// answers 401 — the auth challenge every client makes before it signs
	// in. Such a group is an address, not an actor.
	Unauthenticated bool
}

// VaultCallers answers "who else acted on that vault": every caller with
// stored events on vault (a name) in [from, to), except exclude (a caller
// key), the busiest first, at most limit; callers with an identity come
// before unauthenticated requests, which are grouped by address.
func (s *Store) VaultCallers(ctx context.Context, vault string, from, to time.Time, exclude string, limit int) ([]VaultCaller, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT caller_key, MAX(caller_upn), MAX(caller_ip), COUNT(*), MIN(time), MAX(time),
		MAX(caller_object_id), MAX(caller_app_id)
		FROM events WHERE vault_name = $1 AND time >= $2 AND time < $3 AND caller_key <> $4
		GROUP BY caller_key ORDER BY COUNT(*) DESC, caller_key LIMIT $5`,
		strings.ToLower(vault), micros(from), micros(to), strings.ToLower(exclude), limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list vault callers: %w", err)
	}
	defer rows.Close()
	var out []VaultCaller
	for rows.Next() {
		var c VaultCaller
		var first, last int64
		var objectID, appID string
		if err := rows.Scan(&c.CallerKey, &c.UPN, &c.IP, &c.Events, &first, &last, &objectID, &appID); err != nil {
			return nil, fmt.Errorf("store: unable to list vault callers: %w", err)
		}
		c.First, c.Last = fromMicros(first), fromMicros(last)
		// The caller key falls back to the address only when no identity
		// was logged (auditlog.Caller.Key).
		c.Unauthenticated = objectID == "" && appID == "" && c.UPN == "" && c.IP != "" && c.CallerKey == strings.ToLower(c.IP)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list vault callers: %w", err)
	}
	slices.SortStableFunc(out, func(a, b VaultCaller) int {
		switch {
		case a.Unauthenticated == b.Unauthenticated:
			return 0
		case b.Unauthenticated:
			return -1
		}
		return 1
	})
	return out, nil
}
