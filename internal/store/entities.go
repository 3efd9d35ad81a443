package store

import (
	"context"
	"fmt"
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
}

// VaultCallers answers "who else acted on that vault": every caller with
// stored events on vault (a name) in [from, to), except exclude (a caller
// key), the busiest first, at most limit.
func (s *Store) VaultCallers(ctx context.Context, vault string, from, to time.Time, exclude string, limit int) ([]VaultCaller, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT caller_key, MAX(caller_upn), MAX(caller_ip), COUNT(*), MIN(time), MAX(time)
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
		if err := rows.Scan(&c.CallerKey, &c.UPN, &c.IP, &c.Events, &first, &last); err != nil {
			return nil, fmt.Errorf("store: unable to list vault callers: %w", err)
		}
		c.First, c.Last = fromMicros(first), fromMicros(last)
		out = append(out, c)
	}
	return out, rows.Err()
}
