package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// Vault is one key vault of the inventory, as discovery last saw it.
type Vault struct {
	ID               string // ARM id, as Azure spells it
	Name             string
	SubscriptionID   string
	SubscriptionName string // the subscription's display name, "" when unknown
	ResourceGroup    string
	Location         string
	RBAC             bool // Azure RBAC; false: access policies
	Tags             map[string]string
	SoftDelete       bool
	PurgeProtection  bool
	// PlantingBlocked says why planting cannot work in the vault, as far
	// as discovery could tell without writing; "" for nothing known.
	PlantingBlocked string
	FirstSeen       time.Time
	LastSeen        time.Time
	GoneAt          time.Time // zero while the vault exists
	// LastRecord is the time of the newest audit record of the vault in
	// the store (zero: none within retention). Read only.
	LastRecord time.Time

	// key is the stored key of a vault read from the store, and keyOf the
	// id it was read with: Key() while ID is still that id.
	key, keyOf string
}

// Key is the vault's case-insensitive key (registry.VaultKey of its id).
// A vault read from the store has it already: lower-casing thousands of
// ARM ids on each view of the coverage page showed in its profile.
func (v Vault) Key() string {
	if v.key != "" && v.ID == v.keyOf {
		return v.key
	}
	return registry.VaultKey(v.ID)
}

// Subscription is a subscription discovery has tried to list.
type Subscription struct {
	ID          string
	DisplayName string
	ListedAt    time.Time // the last complete listing of its vaults; zero: never
	TriedAt     time.Time // the latest attempt
	Error       string    // of the latest attempt; "" when it succeeded
}

// Discovery is the outcome of one discovery run: every subscription it
// tried (Error set for those it could not list) and the vaults of those it
// listed completely.
type Discovery struct {
	At            time.Time // when the run started; zero: now
	Subscriptions []Subscription
	Vaults        []Vault
}

// DiscoveryResult counts what RecordDiscovery changed.
type DiscoveryResult struct {
	New  int // vaults seen for the first time
	Back int // vaults marked gone earlier and listed again
	Gone int // vaults no longer listed by a complete listing of their subscription
	Seen int // vaults listed in all
}

// VaultFilter selects vaults. The zero value selects every vault that
// still exists.
type VaultFilter struct {
	Subscriptions []string    // only these subscriptions, any case (empty: all)
	Scope         *VaultScope // nil: all; else only vaults inside it (a vault owner's view)
	IncludeGone   bool        // also vaults marked gone
}

// RecordDiscovery stores a discovery run in one transaction: each vault is
// added or updated (its first_seen kept); a vault of a subscription listed
// without error that the run did not return is marked gone; a vault listed
// again after being marked gone is back. Subscriptions whose listing failed
// keep their vaults as they were. A vault whose subscription is not among
// d.Subscriptions, or is among them with an error, is refused and nothing
// is stored.
func (s *Store) RecordDiscovery(ctx context.Context, d Discovery) (DiscoveryResult, error) {
	var res DiscoveryResult
	at := d.At
	if at.IsZero() {
		at = s.now()
	}
	listed := map[string]bool{}
	for _, sub := range d.Subscriptions {
		if strings.TrimSpace(sub.ID) == "" {
			return res, errors.New("store: a discovered subscription needs an id")
		}
		listed[strings.ToLower(sub.ID)] = sub.Error == ""
	}
	for _, v := range d.Vaults {
		if _, err := registry.VaultNameFromID(v.ID); err != nil {
			return res, fmt.Errorf("store: discovered vault %q: %w", v.ID, err)
		}
		sub := strings.ToLower(registry.SubscriptionFromID(v.ID))
		if ok, known := listed[sub]; !known || !ok {
			return res, fmt.Errorf("store: discovered vault %s belongs to subscription %s, which the run did not list", v.Name, sub)
		}
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res = DiscoveryResult{}
		for _, sub := range d.Subscriptions {
			if err := upsertSubscription(ctx, tx, sub, at); err != nil {
				return err
			}
		}
		for _, v := range d.Vaults {
			state, err := upsertVault(ctx, tx, v, at)
			if err != nil {
				return err
			}
			res.Seen++
			switch state {
			case vaultNew:
				res.New++
			case vaultBack:
				res.Back++
			}
		}
		for sub, ok := range listed {
			if !ok {
				continue
			}
			r, err := tx.ExecContext(ctx, "UPDATE vaults SET gone_at = $1 WHERE subscription_key = $2 AND gone_at = 0 AND last_seen < $1",
				micros(at), sub)
			if err != nil {
				return fmt.Errorf("store: unable to mark vaults gone: %w", err)
			}
			n, _ := r.RowsAffected()
			res.Gone += int(n)
		}
		return nil
	})
	return res, err
}

func upsertSubscription(ctx context.Context, tx *sql.Tx, sub Subscription, at time.Time) error {
	tried := sub.TriedAt
	if tried.IsZero() {
		tried = at
	}
	var listedAt int64
	if sub.Error == "" {
		listedAt = micros(tried)
	}
	// A failed attempt keeps the last good listing time and, when it
	// brings none, the display name known before.
	_, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (subscription_key, subscription_id, display_name, listed_at, tried_at, error)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (subscription_key) DO UPDATE SET
			display_name = CASE WHEN excluded.display_name = '' THEN subscriptions.display_name ELSE excluded.display_name END,
			listed_at = CASE WHEN excluded.listed_at = 0 THEN subscriptions.listed_at ELSE excluded.listed_at END,
			tried_at = excluded.tried_at, error = excluded.error`,
		strings.ToLower(sub.ID), sub.ID, storable.Text(sub.DisplayName), listedAt, micros(tried), storable.Text(sub.Error))
	if err != nil {
		return fmt.Errorf("store: unable to record subscription %s: %w", sub.ID, err)
	}
	return nil
}

type vaultChange int

const (
	vaultSeen vaultChange = iota
	vaultNew
	vaultBack
)

func upsertVault(ctx context.Context, tx *sql.Tx, v Vault, at time.Time) (vaultChange, error) {
	key := registry.VaultKey(v.ID)
	var gone int64
	err := tx.QueryRowContext(ctx, "SELECT gone_at FROM vaults WHERE vault_key = $1", key).Scan(&gone)
	change := vaultSeen
	switch {
	case errors.Is(err, sql.ErrNoRows):
		change = vaultNew
	case err != nil:
		return 0, fmt.Errorf("store: unable to read vault %s: %w", v.Name, err)
	case gone != 0:
		change = vaultBack
	}
	tags := v.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	tagJSON, err := json.Marshal(tags)
	if err != nil {
		return 0, fmt.Errorf("store: vault %s tags: %w", v.Name, err)
	}
	name := v.Name
	if name == "" {
		name, _ = registry.VaultNameFromID(v.ID) // checked by the caller
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO vaults (vault_key, vault_id, vault_name, subscription_key, subscription_id, resource_group,
			location, rbac, tags, soft_delete, purge_protection, planting_blocked, first_seen, last_seen, gone_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 0)
		ON CONFLICT (vault_key) DO UPDATE SET vault_id = excluded.vault_id, vault_name = excluded.vault_name,
			subscription_id = excluded.subscription_id, resource_group = excluded.resource_group, location = excluded.location,
			rbac = excluded.rbac, tags = excluded.tags, soft_delete = excluded.soft_delete,
			purge_protection = excluded.purge_protection, planting_blocked = excluded.planting_blocked,
			last_seen = excluded.last_seen, gone_at = 0`,
		key, storable.Text(v.ID), storable.Text(name), strings.ToLower(registry.SubscriptionFromID(v.ID)),
		registry.SubscriptionFromID(v.ID), storable.Text(v.ResourceGroup), storable.Text(v.Location), boolInt(v.RBAC),
		storable.Text(string(tagJSON)), boolInt(v.SoftDelete), boolInt(v.PurgeProtection), storable.Text(v.PlantingBlocked), micros(at))
	if err != nil {
		return 0, fmt.Errorf("store: unable to record vault %s: %w", v.Name, err)
	}
	return change, nil
}

// vaultSelect reads vaults with their subscription's display name and the
// time of their newest record, which the ingest keeps per vault in
// vault_last_records (migration 0011) rather than each view searching the
// events for it.
const vaultSelect = `SELECT v.vault_key, v.vault_id, v.vault_name, v.subscription_id, COALESCE(s.display_name, ''), v.resource_group, v.location,
	v.rbac, v.tags, v.soft_delete, v.purge_protection, v.planting_blocked, v.first_seen, v.last_seen, v.gone_at,
	COALESCE(r.last_record, 0)
	FROM vaults v LEFT JOIN subscriptions s ON s.subscription_key = v.subscription_key
	LEFT JOIN vault_last_records r ON r.vault_name = LOWER(v.vault_name)`

// scanVault reads a vaultSelect row. tagsSeen, if not nil, keeps the tags
// decoded so far by their JSON: an estate's vaults share a few sets of
// tags, and decoding thousands of them on each view of the coverage page
// was a fifth of ListVaults' time. Each vault gets its own copy.
func scanVault(row interface{ Scan(...any) error }, tagsSeen map[string]map[string]string) (Vault, error) {
	var v Vault
	var rbac, soft, purge int
	var tags string
	var first, last, gone, record int64
	if err := row.Scan(&v.key, &v.ID, &v.Name, &v.SubscriptionID, &v.SubscriptionName, &v.ResourceGroup, &v.Location,
		&rbac, &tags, &soft, &purge, &v.PlantingBlocked, &first, &last, &gone, &record); err != nil {
		return v, err
	}
	v.keyOf = v.ID
	v.RBAC, v.SoftDelete, v.PurgeProtection = rbac != 0, soft != 0, purge != 0
	v.FirstSeen, v.LastSeen, v.GoneAt, v.LastRecord = fromMicros(first), fromMicros(last), fromMicros(gone), fromMicros(record)
	if seen, ok := tagsSeen[tags]; ok {
		v.Tags = maps.Clone(seen)
		return v, nil
	}
	v.Tags = map[string]string{}
	if err := json.Unmarshal([]byte(tags), &v.Tags); err != nil {
		return v, fmt.Errorf("vault %s tags: %w", v.Name, err)
	}
	if tagsSeen != nil {
		tagsSeen[tags] = maps.Clone(v.Tags)
	}
	return v, nil
}

// ListVaults returns the vaults f selects, ordered by key (subscription,
// resource group, name).
func (s *Store) ListVaults(ctx context.Context, f VaultFilter) ([]Vault, error) {
	var where []string
	var p params
	if !f.IncludeGone {
		where = append(where, "v.gone_at = 0")
	}
	if len(f.Subscriptions) > 0 {
		subs := make([]string, len(f.Subscriptions))
		for i, sub := range f.Subscriptions {
			subs[i] = strings.ToLower(sub)
		}
		where = append(where, "v.subscription_key IN ("+list(&p, subs)+")")
	}
	if f.Scope != nil {
		where = append(where, f.Scope.whereFor(&p, "v."))
	}
	rows, err := s.r.QueryContext(ctx, vaultSelect+whereClause(where)+" ORDER BY v.vault_key", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list vaults: %w", err)
	}
	defer rows.Close()
	var out []Vault
	tagsSeen := map[string]map[string]string{}
	for rows.Next() {
		v, err := scanVault(rows, tagsSeen)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list vaults: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list vaults: %w", err)
	}
	return out, nil
}

// GetVault returns one vault by ARM id (any case), gone or not, or
// ErrNotFound.
func (s *Store) GetVault(ctx context.Context, id string) (Vault, error) {
	v, err := scanVault(s.r.QueryRowContext(ctx, vaultSelect+" WHERE v.vault_key = $1", registry.VaultKey(id)), nil)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("%w: vault %s", ErrNotFound, id)
	}
	if err != nil {
		return v, fmt.Errorf("store: unable to fetch vault: %w", err)
	}
	return v, nil
}

// ListSubscriptions returns every subscription discovery has tried, by id.
func (s *Store) ListSubscriptions(ctx context.Context) ([]Subscription, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT subscription_id, display_name, listed_at, tried_at, error FROM subscriptions ORDER BY subscription_key")
	if err != nil {
		return nil, fmt.Errorf("store: unable to list subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		var sub Subscription
		var listed, tried int64
		if err := rows.Scan(&sub.ID, &sub.DisplayName, &listed, &tried, &sub.Error); err != nil {
			return nil, fmt.Errorf("store: unable to list subscriptions: %w", err)
		}
		sub.ListedAt, sub.TriedAt = fromMicros(listed), fromMicros(tried)
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list subscriptions: %w", err)
	}
	return out, nil
}
