package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// Batch is what one ingest source hands over for durable acceptance: the
// events it parsed, the records it could not parse, and how far it has read.
// All three are committed together, so a source that restarts from its
// checkpoint never skips a record and never counts one twice.
type Batch struct {
	Source      string
	Events      []auditlog.Event
	DeadLetters []DeadLetter
	Checkpoints []Checkpoint
	// Fence, if set, is the lease term of the source that read the batch
	// (a pull source run by one replica at a time): Accept stores the
	// batch only while that lease is still the term's, failing with
	// ErrLeaseLost otherwise, so that a replica paused past its source's
	// lease moves no checkpoint once another took the source over.
	Fence *Fence

	keys []string // see Prepare
	rows [][]any
}

// DeadLetter is a record that could not be parsed.
type DeadLetter struct {
	ID         int64
	ReceivedAt time.Time
	Source     string
	Position   string // where in the source: file:line, partition/offset, blob@offset
	Reason     string
	Raw        string // the record, cut at MaxDeadLetterRaw bytes (NULs and bytes that are not UTF-8 escaped: see package storable)
}

// MaxDeadLetterRaw bounds how much of an unparseable record is kept (in its
// storable form).
const MaxDeadLetterRaw = 64 << 10

// Checkpoint is how far a source has read one of its items (a blob, a file,
// a query): an opaque value the source understands.
type Checkpoint struct {
	Source string
	Item   string
	Value  string
}

// Fresh is an event stored for the first time by Accept, with its id and the
// index of the batch it came from.
type Fresh struct {
	ID    int64
	Batch int
	Event *auditlog.Event
}

// Accepted counts what Accept did with each batch.
type Accepted struct {
	New, Duplicate, DeadLetters int
}

// Accept durably stores batches in one transaction: events not seen before
// (by DedupKey), dead letters and checkpoints. hook, if not nil, runs inside
// the same transaction with the fresh events; if it fails nothing is stored.
// When Accept returns nil everything is on disk, and a source may
// acknowledge; the callbacks the hook registered with Tx.OnCommit have run.
func (s *Store) Accept(ctx context.Context, batches []Batch, hook func(context.Context, *Tx, []Fresh) error) ([]Accepted, error) {
	out, durable, err := s.AcceptAsync(ctx, batches, hook)
	if err != nil {
		return nil, err
	}
	if err := durable(); err != nil {
		return nil, err
	}
	return out, nil
}

// AcceptAsync is Accept returning once the transaction has committed, so
// that the caller can start the next one while the disk makes this one
// durable. durable waits for that and then runs the hook's Tx.OnCommit
// callbacks; until it has returned nil nobody may learn of the commit —
// no source acknowledged, nothing handed on — and if it fails the commit
// may be lost (see walSync).
func (s *Store) AcceptAsync(ctx context.Context, batches []Batch, hook func(context.Context, *Tx, []Fresh) error) (out []Accepted, durable func() error, err error) {
	out = make([]Accepted, len(batches))
	now := s.now()
	durable, err = s.updateAsync(ctx, func(t *Tx) error {
		tx := t.tx
		for i := range out {
			out[i] = Accepted{}
		}
		var fresh []Fresh
		newest := map[string]int64{}
		for bi := range batches {
			b := &batches[bi]
			if b.Fence != nil {
				if err := s.checkFenceIn(ctx, tx, *b.Fence, s.dialect.forShare()); err != nil {
					return err
				}
			}
			f, dup, err := s.insertEvents(ctx, tx, b, now, newest)
			if err != nil {
				return err
			}
			for j := range f {
				f[j].Batch = bi
			}
			fresh = append(fresh, f...)
			out[bi].New, out[bi].Duplicate = len(f), dup
			for _, d := range b.DeadLetters {
				if err := insertDeadLetter(ctx, tx, b.Source, d, now); err != nil {
					return err
				}
			}
			out[bi].DeadLetters = len(b.DeadLetters)
			for _, c := range b.Checkpoints {
				if err := saveCheckpoint(ctx, tx, c, now); err != nil {
					return err
				}
			}
		}
		if hook != nil {
			if err := hook(ctx, t, fresh); err != nil {
				return err
			}
		}
		// Last, so that replicas on PostgreSQL hold the rows' locks for
		// as short a time as the transaction allows.
		return s.upsertLastRecords(ctx, tx, newest)
	}, true)
	if err != nil {
		return nil, nil, err
	}
	return out, durable, nil
}

const eventColumns = "dedup_key, kind, time, vault_id, vault_name, object_type, object_name, object_version, " +
	"operation, result_type, http_status, correlation_id, request_uri, resource_id, caller_key, caller_object_id, caller_upn, " +
	"caller_app_id, caller_ip, client_info, received_at, source"

const eventColumnCount = 22

// eventChunk rows go in one INSERT: well under both databases' limits on
// bound parameters, and far fewer round trips than a row at a time.
const eventChunk = 400

// Prepare computes, for every event of b, its key and column values, so that
// a source can do that work in its own goroutine instead of the store's
// single writer. Accept prepares batches that were not.
func (b *Batch) Prepare() {
	if len(b.keys) == len(b.Events) {
		return
	}
	b.keys = make([]string, len(b.Events))
	b.rows = make([][]any, len(b.Events))
	// auditlog makes every event storable when it parses it; checking
	// again costs a scan per text and keeps the store's promise whoever
	// made the event.
	t := storable.Text
	for i := range b.Events {
		e := &b.Events[i]
		c := e.Caller
		b.keys[i] = eventKey(e)
		b.rows[i] = []any{b.keys[i], string(e.Kind), micros(e.Time),
			strings.ToLower(t(e.VaultID)), strings.ToLower(t(e.VaultName)), string(e.ObjectType), t(e.ObjectName), t(e.ObjectVersion),
			t(e.Operation), t(e.ResultType), e.HTTPStatus, t(e.CorrelationID), t(e.RequestURI), t(resourceIDColumn(e)), c.Key(),
			t(c.ObjectID), t(c.UPN), t(c.AppID), t(c.IP), t(c.ClientInfo)}
	}
}

// Split cuts b after its first n events: head holds those, tail the rest
// with b's dead letters and checkpoints, so that the checkpoints commit
// with the last of b's records. What Prepare computed goes with each event.
// A b of at most n events is all head.
func (b Batch) Split(n int) (head, tail Batch) {
	if n >= len(b.Events) {
		return b, Batch{Source: b.Source, Fence: b.Fence}
	}
	head = Batch{Source: b.Source, Events: b.Events[:n:n], Fence: b.Fence}
	tail = Batch{Source: b.Source, Events: b.Events[n:], DeadLetters: b.DeadLetters, Checkpoints: b.Checkpoints, Fence: b.Fence}
	if len(b.keys) == len(b.Events) {
		head.keys, head.rows = b.keys[:n:n], b.rows[:n:n]
		tail.keys, tail.rows = b.keys[n:], b.rows[n:]
	}
	return head, tail
}

// insertEvents stores b's events, skipping those already stored (and repeats
// within b), and returns the fresh ones and how many were duplicates. It
// folds each fresh event's vault and time into newest (see noteLastRecord).
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, b *Batch, now time.Time, newest map[string]int64) ([]Fresh, int, error) {
	b.Prepare()
	order := make([]int, 0, len(b.Events)) // first event of each key
	idx := make(map[string]int, len(b.Events))
	for i, k := range b.keys {
		if _, seen := idx[k]; !seen {
			idx[k] = i
			order = append(order, i)
		}
	}
	var fresh []Fresh
	args := make([]any, 0, eventChunk*eventColumnCount)
	for start, n := 0, 0; start < len(order); start += n {
		n = insertRows(len(order) - start)
		chunk := order[start : start+n]
		args = args[:0]
		for _, i := range chunk {
			args = append(append(args, b.rows[i]...), micros(now), b.Source)
		}
		stmt, err := s.insertEventsStmt(ctx, tx, len(chunk))
		if err != nil {
			return nil, 0, err
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return nil, 0, fmt.Errorf("store: unable to insert events: %w", err)
		}
		for rows.Next() {
			var f Fresh
			var k string
			if err := rows.Scan(&f.ID, &k); err != nil {
				rows.Close()
				return nil, 0, fmt.Errorf("store: unable to insert events: %w", err)
			}
			i := idx[k]
			f.Event = &b.Events[i]
			fresh = append(fresh, f)
			noteLastRecord(newest, b.rows[i][4].(string), b.rows[i][2].(int64))
		}
		if err := rows.Close(); err != nil {
			return nil, 0, fmt.Errorf("store: unable to insert events: %w", err)
		}
	}
	return fresh, len(b.Events) - len(fresh), nil
}

// insertEventsStmt returns the INSERT for n rows (see insertRows) bound to
// tx: the one Open prepared, or, in a Store Open did not make (tests of
// this package), one prepared for the transaction.
func (s *Store) insertEventsStmt(ctx context.Context, tx *sql.Tx, n int) (*sql.Stmt, error) {
	if stmt, ok := s.inserts[n]; ok {
		return tx.StmtContext(ctx, stmt), nil
	}
	stmt, err := tx.PrepareContext(ctx, insertEventsSQL(s.dialect, n))
	if err != nil {
		return nil, fmt.Errorf("store: unable to prepare event insert: %w", err)
	}
	return stmt, nil
}

// insertRows is how many of left rows the next INSERT takes: a full chunk,
// else the largest power of two that fits. Every such statement is
// prepared once, by Open (prepareInserts), and reused: parsing an INSERT
// of a commit's leftover rows, thousands of placeholders, cost more than
// executing it (2–3 % of the writer's time per record), and executing
// at most nine short ones for the rest costs less.
func insertRows(left int) int {
	if left >= eventChunk {
		return eventChunk
	}
	n := 1
	for n*2 <= left {
		n *= 2
	}
	return n
}

// prepareInserts prepares the INSERT of every row count insertRows
// returns.
func (s *Store) prepareInserts(ctx context.Context) error {
	s.inserts = make(map[int]*sql.Stmt)
	for n := eventChunk; ; n = insertRows(n - 1) {
		stmt, err := s.w.PrepareContext(ctx, insertEventsSQL(s.dialect, n))
		if err != nil {
			return fmt.Errorf("store: unable to prepare event insert: %w", err)
		}
		s.inserts[n] = stmt
		if n == 1 {
			return nil
		}
	}
}

func insertEventsSQL(d dialect, n int) string {
	// On SQLite INSERT OR IGNORE, not ON CONFLICT DO NOTHING: a
	// statement that may abort half way needs a statement journal, a
	// copy of every page it touches (8 % of a commit's CPU); one that
	// cannot abort needs none. Every value bound is a Go string or
	// integer, never NULL, so the one constraint it can skip a row for is
	// the dedup key, as DO NOTHING does.
	insert, onConflict := d.insertIgnoring("dedup_key")
	var q strings.Builder
	q.WriteString(insert + " INTO events (" + eventColumns + ") VALUES ")
	for r := 0; r < n; r++ {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := 0; c < eventColumnCount; c++ {
			if c > 0 {
				q.WriteString(", ")
			}
			q.WriteString(d.placeholder(r*eventColumnCount + c + 1))
		}
		q.WriteByte(')')
	}
	q.WriteString(onConflict + " RETURNING id, dedup_key")
	return q.String()
}

// eventKey is the events table's unique key: the event's time, then its
// DedupKey. The DedupKey alone would decide uniqueness just as well (it
// covers the time), but its random bytes would scatter every commit's
// inserts over the whole unique index; led by the time, inserts land near
// the index's end, where records arrive, and a commit rewrites a few pages
// instead of one per record.
func eventKey(e *auditlog.Event) string {
	return fmt.Sprintf("%016x", uint64(e.Time.UnixMicro())) + e.DedupKey()
}

// resourceIDColumn is what the resource_id column holds: empty when the
// resource is the vault itself (every audit record), which saves a long
// string per row on the ingest path; ListEvents puts it back.
func resourceIDColumn(e *auditlog.Event) string {
	if strings.EqualFold(e.ResourceID, e.VaultID) {
		return ""
	}
	return e.ResourceID
}

// insertDeadLetter stores d with its texts storable: a record is usually a
// dead letter because it is broken, and what broke it (a NUL, bytes that
// are not UTF-8) must not make storing it fail.
func insertDeadLetter(ctx context.Context, tx *sql.Tx, source string, d DeadLetter, now time.Time) error {
	if d.Source == "" {
		d.Source = source
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO dead_letters (received_at, source, position, reason, raw) VALUES ($1, $2, $3, $4, $5)",
		micros(now), storable.Text(d.Source), storable.Text(d.Position), storable.Text(d.Reason), storable.Cut(d.Raw, MaxDeadLetterRaw))
	if err != nil {
		return fmt.Errorf("store: unable to store dead letter: %w", err)
	}
	return nil
}

// EventFilter selects stored events. Zero fields do not filter.
type EventFilter struct {
	CallerKey string    // see auditlog.Caller.Key
	VaultName string    // any case
	From, To  time.Time // event time, From inclusive, To exclusive
	Kind      auditlog.Kind
	// ByID orders by id instead of time: page through everything with
	// AfterID set to the last id seen.
	ByID    bool
	AfterID int64
	Limit   int // 0: 1000
	// Newest orders newest first (by time, then id), so that Limit keeps
	// the latest events.
	Newest bool
}

// StoredEvent is an event as stored: the normalised fields that matter for
// investigation.
type StoredEvent struct {
	ID         int64
	ReceivedAt time.Time
	Source     string
	Event      auditlog.Event
}

// ListEvents returns stored events in time order (newest first with
// f.Newest).
func (s *Store) ListEvents(ctx context.Context, f EventFilter) ([]StoredEvent, error) {
	var where []string
	var p params
	if f.CallerKey != "" {
		where = append(where, "caller_key = "+p.add(strings.ToLower(f.CallerKey)))
	}
	if f.VaultName != "" {
		where = append(where, "vault_name = "+p.add(strings.ToLower(f.VaultName)))
	}
	if !f.From.IsZero() {
		where = append(where, "time >= "+p.add(micros(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "time < "+p.add(micros(f.To)))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+p.add(string(f.Kind)))
	}
	if f.AfterID > 0 {
		where = append(where, "id > "+p.add(f.AfterID))
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q := "SELECT id, received_at, source, kind, time, vault_id, vault_name, object_type, object_name, object_version, operation, " +
		"result_type, http_status, correlation_id, request_uri, resource_id, caller_object_id, caller_upn, caller_app_id, caller_ip, client_info FROM events"
	q += whereClause(where)
	switch {
	case f.ByID:
		q += " ORDER BY id"
	case f.Newest:
		q += " ORDER BY time DESC, id DESC"
	default:
		q += " ORDER BY time, id"
	}
	q += " LIMIT " + p.add(f.Limit)
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list events: %w", err)
	}
	defer rows.Close()
	var out []StoredEvent
	for rows.Next() {
		var se StoredEvent
		var recv, t int64
		var kind, typ string
		e := &se.Event
		if err := rows.Scan(&se.ID, &recv, &se.Source, &kind, &t, &e.VaultID, &e.VaultName, &typ, &e.ObjectName, &e.ObjectVersion,
			&e.Operation, &e.ResultType, &e.HTTPStatus, &e.CorrelationID, &e.RequestURI, &e.ResourceID,
			&e.Caller.ObjectID, &e.Caller.UPN, &e.Caller.AppID, &e.Caller.IP, &e.Caller.ClientInfo); err != nil {
			return nil, fmt.Errorf("store: unable to list events: %w", err)
		}
		se.ReceivedAt, e.Time, e.Kind, e.ObjectType = fromMicros(recv), fromMicros(t), auditlog.Kind(kind), registry.Type(typ)
		if e.ResourceID == "" {
			e.ResourceID = e.VaultID
		}
		out = append(out, se)
	}
	return out, rows.Err()
}

// PruneEvents deletes events received before cutoff, at most limit rows per
// call, so that a large backlog is removed in short transactions that never
// hold the writer long enough to stall ingestion. Call it until it returns 0.
// The vaults whose records it deletes have their newest record time
// recomputed from what is left, in the same transaction.
//
// It looks at the limit oldest ids and deletes those received before
// cutoff: ids grow as records are received, so the oldest records have the
// lowest ids and no index on received_at is needed (an insert fewer per
// stored record). An old event whose id lies beyond limit younger ones
// (the clock stepped back, or replicas' clocks differ on PostgreSQL) waits
// until those are old too; no event is deleted before its time.
func (s *Store) PruneEvents(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT $1)
			AND received_at < $2 RETURNING vault_name`, limit, micros(cutoff))
		if err != nil {
			return fmt.Errorf("store: unable to prune events: %w", err)
		}
		var vaults []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return fmt.Errorf("store: unable to prune events: %w", err)
			}
			n++
			vaults = append(vaults, v)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("store: unable to prune events: %w", err)
		}
		return recomputeLastRecords(ctx, tx, vaults)
	})
	return n, err
}

// CountEvents returns how many events are stored.
func (s *Store) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count events: %w", err)
	}
	return n, nil
}
