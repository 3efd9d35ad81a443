package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// The newest record of each vault (table vault_last_records, migration
// 0011), kept where records come and go so that the coverage pages read it
// instead of searching for it.

// lastRecordChunk vaults go in one upsert: well under both databases'
// limits on bound parameters.
const lastRecordChunk = 400

// noteLastRecord folds one fresh record into newest (vault name in lower
// case → greatest time in micros), which Accept writes once per commit.
func noteLastRecord(newest map[string]int64, vaultName string, at int64) {
	if vaultName == "" {
		return
	}
	if t, ok := newest[vaultName]; !ok || at > t {
		newest[vaultName] = at
	}
}

// upsertLastRecords raises each vault's newest record time to the one in
// newest where that is later: one row per distinct vault, a few statements
// per commit. The vaults go in name order, so that replicas accepting at
// once on PostgreSQL take the rows' locks in one order and never deadlock.
func (s *Store) upsertLastRecords(ctx context.Context, tx *sql.Tx, newest map[string]int64) error {
	if len(newest) == 0 {
		return nil
	}
	names := make([]string, 0, len(newest))
	for n := range newest {
		names = append(names, n)
	}
	slices.Sort(names)
	for start := 0; start < len(names); start += lastRecordChunk {
		chunk := names[start:min(start+lastRecordChunk, len(names))]
		var q strings.Builder
		args := make([]any, 0, 2*len(chunk))
		q.WriteString("INSERT INTO vault_last_records (vault_name, last_record) VALUES ")
		for i, n := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + s.dialect.placeholder(2*i+1) + ", " + s.dialect.placeholder(2*i+2) + ")")
			args = append(args, n, newest[n])
		}
		q.WriteString(` ON CONFLICT (vault_name) DO UPDATE SET last_record = CASE
			WHEN excluded.last_record > vault_last_records.last_record THEN excluded.last_record
			ELSE vault_last_records.last_record END`)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("store: unable to record the vaults' newest records: %w", err)
		}
	}
	return nil
}

// recomputeLastRecords sets the newest record time of the named vaults
// (lower case) from the events left, after a prune deleted some of theirs.
func recomputeLastRecords(ctx context.Context, tx *sql.Tx, names []string) error {
	slices.Sort(names)
	for _, n := range slices.Compact(names) {
		if _, err := tx.ExecContext(ctx, `UPDATE vault_last_records
			SET last_record = COALESCE((SELECT MAX(time) FROM events WHERE vault_name = $1), 0) WHERE vault_name = $1`, n); err != nil {
			return fmt.Errorf("store: unable to recompute a vault's newest record: %w", err)
		}
	}
	return nil
}
