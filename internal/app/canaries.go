package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
	"github.com/honeyvault/honeyvault/internal/store"
)

// CanarySink is the canary.Sink the listeners (internal/canary/...) hand
// their hits to. A hit whose token names a decoy becomes one event of kind
// auditlog.KindCanary in the ingest pipeline — durable when Hit returns,
// deduplicated, matched and recorded like a Key Vault record, so that it
// raises an alert of class used-outside-key-vault and an incident. A hit
// with no token or one the registry does not know (a scan of the listener,
// a guess) raises nothing: it is counted, logged at debug, and kept among
// the last MaxProbes probes. It is safe for concurrent use.
type CanarySink struct {
	store    *store.Store
	pipeline *ingest.Pipeline
	index    *detect.Index
	log      *slog.Logger
	hits     *prometheus.CounterVec
	now      func() time.Time

	mu     sync.Mutex
	probes []Probe // the last MaxProbes, oldest first
}

var _ canary.Sink = (*CanarySink)(nil)

// MaxProbes is how many hits that named no decoy a CanarySink keeps.
const MaxProbes = 100

// Probe is a hit that named no decoy: kept for people to look at, never an
// alert.
type Probe struct {
	Kind   canary.Kind
	Remote string
	At     time.Time
	Token  string // "" when the hit carried none
}

func newCanarySink(st *store.Store, p *ingest.Pipeline, ix *detect.Index, log *slog.Logger, detected prometheus.Registerer) *CanarySink {
	s := &CanarySink{store: st, pipeline: p, index: ix, log: log, now: time.Now,
		// Protected (detected): whether a use named a decoy is what an
		// intruder trying a stolen value wants to know.
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "honeyvault_canary_hits_total",
			Help: "Uses seen by the canary listeners, by kind and outcome: decoy (raised), duplicate (a listener's retry), unknown-token, no-token.",
		}, []string{"kind", "outcome"}),
	}
	detected.MustRegister(s.hits)
	return s
}

// CanarySink returns the sink the canary listeners report to: what serve's
// wiring passes to httpcanary, dnscanary and pgcanary.
func (s *Server) CanarySink() *CanarySink { return s.canaries }

// Hit records one use. It returns once the use is durably stored with its
// alert (or found to name no decoy, or to be a repeat of a hit already
// stored); a listener answers its client after. A hit without a valid
// kind, time or address is refused with an error and changes nothing.
func (s *CanarySink) Hit(ctx context.Context, h canary.Hit) error {
	if !h.Kind.Valid() {
		return fmt.Errorf("canary: unknown kind %q", h.Kind)
	}
	if h.At.IsZero() || !h.Remote.Addr().IsValid() {
		return errors.New("canary: a hit needs the time and the address the listener saw it at")
	}
	if h.Token == "" || !canary.ValidToken(h.Token) {
		s.probe(h, "no-token")
		return nil
	}
	c, d, err := s.store.CanaryByToken(ctx, h.Token)
	if errors.Is(err, store.ErrNotFound) {
		s.probe(h, "unknown-token")
		return nil
	}
	if err != nil {
		return err
	}
	// The decoy may be younger than detection's last registry sync: the
	// value can be used the second it is planted. Adding twice is harmless.
	if err := s.index.Add(d); err != nil {
		return fmt.Errorf("canary: %w", err)
	}
	ev := canaryEvent(h, d)
	acc, err := s.pipeline.Submit(ctx, store.Batch{Source: "canary:" + string(h.Kind), Events: []auditlog.Event{ev}})
	if err != nil {
		return err
	}
	outcome := "decoy"
	if acc.New == 0 {
		outcome = "duplicate"
	}
	s.hits.WithLabelValues(string(h.Kind), outcome).Inc()
	// Never the decoy's name above debug.
	s.log.Info("canary: a decoy's value was used outside Key Vault", "kind", h.Kind, "remote", h.Remote.String(),
		"vault", d.VaultName, "canary_kind", c.Kind, "outcome", outcome)
	s.log.Debug("canary: hit", "decoy", d.Name, "token", h.Token)
	return nil
}

func (s *CanarySink) probe(h canary.Hit, outcome string) {
	s.hits.WithLabelValues(string(h.Kind), outcome).Inc()
	s.log.Debug("canary: a use that names no decoy", "kind", h.Kind, "remote", h.Remote.String(), "token", h.Token, "outcome", outcome)
	p := Probe{Kind: h.Kind, Remote: h.Remote.String(), At: h.At.UTC(), Token: h.Token}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.probes) == MaxProbes {
		s.probes = slices.Delete(s.probes, 0, 1)
	}
	s.probes = append(s.probes, p)
}

// Probes returns the last hits that named no decoy (at most MaxProbes),
// oldest first.
func (s *CanarySink) Probes() []Probe {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.probes)
}

// canaryEvent is hit h of the decoy as an event: operation canary:<kind>,
// caller the remote address, the listener's detail as the client info
// (shown, escaped, in the investigation), and a correlation id that is a
// digest of the whole hit, so that a listener retrying the same hit stores
// it once.
func canaryEvent(h canary.Hit, d registry.Decoy) auditlog.Event {
	return auditlog.Event{
		Kind: auditlog.KindCanary, Time: h.At.UTC(), VaultID: d.VaultID, VaultName: strings.ToLower(d.VaultName),
		ObjectType: d.Type, ObjectName: d.Name, Operation: h.Kind.Operation(), Category: "Canary", ResultType: "Used",
		CorrelationID: hitID(h), ResourceID: d.VaultID,
		Caller: auditlog.Caller{IP: h.Remote.Addr().Unmap().String(), ClientInfo: detailText(h)},
	}
}

// hitID names a hit by everything it holds.
func hitID(h canary.Hit) string {
	d := sha256.New()
	field := func(s string) { d.Write([]byte(s)); d.Write([]byte{0}) }
	field(string(h.Kind))
	field(h.Token)
	field(h.Remote.String())
	field(strconv.FormatInt(h.At.UnixNano(), 10))
	for _, k := range sortedKeys(h.Detail) {
		field(k)
		field(h.Detail[k])
	}
	return "canary-" + hex.EncodeToString(d.Sum(nil)[:16])
}

// maxDetailText bounds the detail kept with an alert.
const maxDetailText = 2048

// detailText is the hit's detail as `key="value"` pairs in key order,
// values quoted Go-style (control characters escaped) and clipped, then
// the source port: what the investigation shows of where the use came from.
func detailText(h canary.Hit) string {
	var b strings.Builder
	for _, k := range sortedKeys(h.Detail) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(storable.Text(canary.Clip(k)))
		b.WriteByte('=')
		b.WriteString(strconv.Quote(canary.Clip(h.Detail[k])))
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString("port=" + strconv.Itoa(int(h.Remote.Port())))
	return storable.Cut(storable.Text(b.String()), maxDetailText)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
