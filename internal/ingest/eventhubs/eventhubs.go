package eventhubs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Defaults for a Config's zero fields.
const (
	DefaultTopic = "insights-logs-auditevent"
	DefaultGroup = "$Default"
	// DefaultMaxPollRecords bounds the events (Kafka records) stored per
	// batch; each holds up to ~1 MiB of audit records.
	DefaultMaxPollRecords = 100
	// saslUser is the user Event Hubs expects with a connection string.
	saslUser = "$ConnectionString"
)

// Config says what to consume.
type Config struct {
	Name    string   // the source's name (Batch.Source)
	Brokers []string // host:port; default from ConnectionString
	// ConnectionString, if set, is sent as the SASL PLAIN password of user
	// $ConnectionString. Without it the source speaks plain Kafka.
	ConnectionString string
	Topic            string
	Group            string
	TLS              *tls.Config // nil: no TLS
	// MaxVersions caps the Kafka protocol versions offered, for brokers
	// that misbehave with newer requests.
	MaxVersions    *kversion.Versions
	StartLatest    bool // a new group starts at the end instead of the oldest retained record
	MaxPollRecords int
	// PollWait is how long a poll waits for records before it checks that
	// the brokers are reachable (default 10s).
	PollWait time.Duration
	// Opts are extra client options (tests shorten timeouts with them).
	Opts []kgo.Opt
}

// Source consumes one topic as one member of its consumer group. It is a
// source.Poller and an io.Closer; Poll must not be called concurrently.
type Source struct {
	cfg Config
	log *slog.Logger

	client *kgo.Client
	health health

	mu sync.Mutex
	// pending are records polled but not yet stored, kept for the next
	// Poll after a failed Submit.
	pending []*kgo.Record
	// stored are, per partition, the newest record stored whose offset
	// commit has not succeeded yet.
	stored map[partition]*kgo.Record
	// behind is, per partition this member consumes, how many records
	// the partition held past the newest one polled, as of its last
	// fetch (the fetch's high watermark less that record's next offset).
	behind map[partition]int64
}

type partition struct {
	topic string
	id    int32
}

// New checks cfg and returns a source; it connects on the first Poll.
func New(cfg Config, log *slog.Logger) (*Source, error) {
	if cfg.ConnectionString != "" {
		cs, err := parseConnString(cfg.ConnectionString)
		if err != nil {
			return nil, err
		}
		if len(cfg.Brokers) == 0 {
			cfg.Brokers = []string{cs.host + ":9093"}
		}
		if cfg.Topic == "" {
			cfg.Topic = cs.entityPath
		}
	}
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("eventhubs: no brokers")
	}
	if cfg.Topic == "" {
		cfg.Topic = DefaultTopic
	}
	if cfg.Group == "" {
		cfg.Group = DefaultGroup
	}
	if cfg.MaxPollRecords <= 0 {
		cfg.MaxPollRecords = DefaultMaxPollRecords
	}
	if cfg.PollWait <= 0 {
		cfg.PollWait = 10 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, log: log, stored: make(map[partition]*kgo.Record), behind: make(map[partition]int64)}, nil
}

func (s *Source) connect() (*kgo.Client, error) {
	if s.client != nil {
		return s.client, nil
	}
	start := kgo.NewOffset().AtStart()
	if s.cfg.StartLatest {
		start = kgo.NewOffset().AtEnd()
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(s.cfg.Brokers...),
		kgo.ClientID("honeyvault"),
		kgo.ConsumerGroup(s.cfg.Group),
		kgo.ConsumeTopics(s.cfg.Topic),
		kgo.ConsumeResetOffset(start),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(s.revoked),
		kgo.OnPartitionsLost(s.lost),
		kgo.WithHooks(&s.health),
	}
	if s.cfg.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(s.cfg.TLS.Clone()))
	}
	if s.cfg.ConnectionString != "" {
		opts = append(opts, kgo.SASL(plain.Auth{User: saslUser, Pass: s.cfg.ConnectionString}.AsMechanism()))
	}
	if s.cfg.MaxVersions != nil {
		opts = append(opts, kgo.MaxVersions(s.cfg.MaxVersions))
	}
	cl, err := kgo.NewClient(append(opts, s.cfg.Opts...)...)
	if err != nil {
		return nil, fmt.Errorf("eventhubs %s: %w", s.cfg.Name, err)
	}
	s.client = cl
	return cl, nil
}

// Poll waits for records, stores them and commits their offsets. It
// always reports more: the next Poll waits for the next records.
func (s *Source) Poll(ctx context.Context, sub source.Submitter) (bool, error) {
	cl, err := s.connect()
	if err != nil {
		return false, err
	}
	// Rebalances wait while records are between poll and commit.
	defer cl.AllowRebalance()
	if err := s.commitStored(ctx); err != nil {
		return false, err
	}
	s.mu.Lock()
	recs := s.pending
	s.mu.Unlock()
	var fetchErr error
	if len(recs) == 0 {
		pctx, cancel := context.WithTimeout(ctx, s.cfg.PollWait)
		fetches := cl.PollRecords(pctx, s.cfg.MaxPollRecords)
		cancel()
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if fetches.IsClientClosed() {
			return false, fmt.Errorf("eventhubs %s: client closed", s.cfg.Name)
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if fetchErr == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				fetchErr = fmt.Errorf("eventhubs %s: %s[%d]: %w", s.cfg.Name, topic, p, err)
			}
		})
		recs = fetches.Records()
		s.mu.Lock()
		s.pending = recs
		s.noteBehindLocked(fetches)
		s.mu.Unlock()
	}
	if len(recs) == 0 {
		if fetchErr == nil {
			if err := s.health.failing(); err != nil {
				fetchErr = fmt.Errorf("eventhubs %s: %w", s.cfg.Name, err)
			}
		}
		return true, fetchErr
	}
	if _, err := sub.Submit(ctx, s.batch(recs)); err != nil {
		return false, err
	}
	s.mu.Lock()
	s.pending = nil
	for _, r := range recs {
		k := partition{r.Topic, r.Partition}
		if old, ok := s.stored[k]; !ok || r.Offset > old.Offset {
			s.stored[k] = r
		}
	}
	s.mu.Unlock()
	if err := s.commitStored(ctx); err != nil {
		return false, err
	}
	return true, fetchErr
}

// noteBehindLocked notes, for each partition fetches brought records of,
// how many more it held: every fetch response carries the partition's high
// watermark, so the consumer lag costs no request of its own.
func (s *Source) noteBehindLocked(fetches kgo.Fetches) {
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if n := len(p.Records); n > 0 && p.Err == nil {
			s.behind[partition{p.Topic, p.Partition}] = max(p.HighWatermark-(p.Records[n-1].Offset+1), 0)
		}
	})
}

// Backlog is the consumer lag: the records waiting in the partitions this
// member consumes beyond those it has polled, as of each partition's last
// fetch; ok is false until a fetch brought records. A partition that moved
// to another member no longer counts. It implements source.Backlogger.
func (s *Source) Backlog() (records int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.behind {
		records += n
	}
	return records, len(s.behind) > 0
}

// commitStored commits the offsets of stored records. A failure keeps them
// for the next try; until then a restart would redeliver them, which
// dedupe absorbs.
func (s *Source) commitStored(ctx context.Context) error {
	s.mu.Lock()
	recs := make([]*kgo.Record, 0, len(s.stored))
	for _, r := range s.stored {
		recs = append(recs, r)
	}
	s.mu.Unlock()
	if len(recs) == 0 {
		return nil
	}
	if err := s.client.CommitRecords(ctx, recs...); err != nil {
		return fmt.Errorf("eventhubs %s: commit: %w", s.cfg.Name, err)
	}
	s.mu.Lock()
	for _, r := range recs {
		k := partition{r.Topic, r.Partition}
		if cur := s.stored[k]; cur != nil && cur.Offset <= r.Offset {
			delete(s.stored, k)
		}
	}
	s.mu.Unlock()
	return nil
}

// batch turns Kafka records (each an Event Hubs event, usually
// {"records":[...]}) into one batch; a message that is not JSON at all is
// a dead letter of its own.
func (s *Source) batch(recs []*kgo.Record) store.Batch {
	b := store.Batch{Source: s.cfg.Name}
	for _, r := range recs {
		pos := auditlog.Position{File: fmt.Sprintf("%s[%d]@%d", r.Topic, r.Partition, r.Offset), Line: 1}
		mb, err := ingest.BatchFromBody(s.cfg.Name, r.Value, pos)
		if err != nil {
			raw := r.Value[:min(len(r.Value), store.MaxDeadLetterRaw)]
			b.DeadLetters = append(b.DeadLetters, store.DeadLetter{Source: s.cfg.Name, Position: pos.File, Reason: err.Error(), Raw: string(raw)})
			continue
		}
		b.Events = append(b.Events, mb.Events...)
		b.DeadLetters = append(b.DeadLetters, mb.DeadLetters...)
	}
	return b
}

// revoked runs when partitions move to another member: records of theirs
// not yet stored are dropped (the new owner reads them from the last
// commit), and stored ones are committed so that it does not read them
// again.
func (s *Source) revoked(ctx context.Context, cl *kgo.Client, gone map[string][]int32) {
	s.forget(gone, false)
	var recs []*kgo.Record
	s.mu.Lock()
	for t, ps := range gone {
		for _, p := range ps {
			if r := s.stored[partition{t, p}]; r != nil {
				recs = append(recs, r)
			}
		}
	}
	s.mu.Unlock()
	if len(recs) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := cl.CommitRecords(cctx, recs...); err != nil {
		s.log.Warn("eventhubs: commit on revocation failed; the partitions' new owner will read some records again",
			"source", s.cfg.Name, "err", err)
	}
	s.forget(gone, true)
}

// lost runs when the group session died: commits would fail, so nothing
// of those partitions is kept.
func (s *Source) lost(_ context.Context, _ *kgo.Client, gone map[string][]int32) {
	s.forget(gone, false)
	s.forget(gone, true)
}

// forget drops what is kept for the partitions in gone: pending records,
// or the stored-but-uncommitted ones.
func (s *Source) forget(gone map[string][]int32, stored bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := func(r *kgo.Record) bool {
		for _, p := range gone[r.Topic] {
			if p == r.Partition {
				return true
			}
		}
		return false
	}
	if stored {
		for k, r := range s.stored {
			if in(r) {
				delete(s.stored, k)
			}
		}
		return
	}
	for k := range s.behind {
		if slices.Contains(gone[k.topic], k.id) {
			delete(s.behind, k)
		}
	}
	// A new slice: a Poll retrying the old one may be submitting it now
	// (no poll is in flight to hold the rebalance back then). Storing those
	// records anyway is harmless: their new owner's copies dedupe.
	var kept []*kgo.Record
	for _, r := range s.pending {
		if !in(r) {
			kept = append(kept, r)
		}
	}
	s.pending = kept
}

// Close commits what is stored and leaves the group.
func (s *Source) Close() error {
	if s.client == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.commitStored(ctx)
	s.client.CloseAllowingRebalance()
	s.client = nil
	return err
}
