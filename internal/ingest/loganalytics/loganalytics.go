package loganalytics

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Defaults for a Config's zero fields.
const (
	DefaultOverlap         = 5 * time.Minute
	DefaultMaxDelay        = 48 * time.Hour
	DefaultInitialLookback = 24 * time.Hour
	DefaultMaxRows         = 10000
	// maxRowsCeiling is the query API's own row limit.
	maxRowsCeiling = 500000
)

// Config says what to read.
type Config struct {
	Name            string // the source's name (Batch.Source, checkpoint key)
	WorkspaceID     string
	Table           string // TableAZKVAuditLogs (default), TableAzureDiagnostics or TableAADServicePrincipalSignInLogs
	Filter          string // extra KQL predicate
	Overlap         time.Duration
	MaxDelay        time.Duration
	InitialLookback time.Duration
	MaxRows         int
}

// Querier runs a query on a workspace; *azlogs.Client is one.
type Querier interface {
	QueryWorkspace(ctx context.Context, workspaceID string, body azlogs.QueryBody, options *azlogs.QueryWorkspaceOptions) (azlogs.QueryWorkspaceResponse, error)
}

// Source polls one workspace. It is a source.Poller; it is not safe for
// concurrent polls.
type Source struct {
	cfg    Config
	client Querier
	cps    source.Checkpoints
	log    *slog.Logger
	now    func() time.Time

	// exact is set while catching up: the last page was full, so the next
	// query starts at the watermark itself, not before it (an overlap
	// wider than a page would never get past it) — unless the watermark is
	// within the overlap of now (see Poll).
	exact bool
	limit int
}

// checkpointItem is the one item this source checkpoints.
const checkpointItem = "watermark"

type watermark struct {
	Ingested time.Time `json:"ingested"`
}

// New returns a source querying with client and resuming from the
// watermark in cps.
func New(cfg Config, client Querier, cps source.Checkpoints, log *slog.Logger) *Source {
	if cfg.Table == "" {
		cfg.Table = TableAZKVAuditLogs
	}
	if strings.EqualFold(cfg.Table, TableAzureDiagnostics) {
		cfg.Table = TableAzureDiagnostics
	} else if strings.EqualFold(cfg.Table, TableAZKVAuditLogs) {
		cfg.Table = TableAZKVAuditLogs
	} else if strings.EqualFold(cfg.Table, TableAADServicePrincipalSignInLogs) {
		cfg.Table = TableAADServicePrincipalSignInLogs
	}
	if cfg.Overlap <= 0 {
		cfg.Overlap = DefaultOverlap
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.InitialLookback <= 0 {
		cfg.InitialLookback = DefaultInitialLookback
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = DefaultMaxRows
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, client: client, cps: cps, log: log, now: time.Now, limit: cfg.MaxRows}
}

// Poll runs one query from the watermark and stores what it returns with
// the new watermark. It reports more when the page was full.
func (s *Source) Poll(ctx context.Context, sub source.Submitter) (bool, error) {
	saved, err := s.cps.Checkpoints(ctx, s.cfg.Name)
	if err != nil {
		return false, err
	}
	var wm watermark
	if v, ok := saved[checkpointItem]; !ok || json.Unmarshal([]byte(v), &wm) != nil || wm.Ingested.IsZero() {
		wm.Ingested = s.now().Add(-s.cfg.InitialLookback)
	}
	from := wm.Ingested
	if !s.exact {
		from = from.Add(-s.cfg.Overlap)
	} else if recent := s.now().Add(-s.cfg.Overlap); from.After(recent) {
		// Catching up near the present: rows ingested within the overlap
		// may still be becoming visible, and the watermark may already be
		// past them. Re-read from the overlap's start; if that window alone
		// fills a page, the watermark does not move and the page grows.
		from = recent
	}
	notBefore := from.Add(-s.cfg.MaxDelay)
	q := buildQuery(s.cfg.Table, s.cfg.Filter, from, notBefore, s.limit)
	// The timespan parameter bounds TimeGenerated too: make it at least as
	// wide as the query's own bound, to an hour past now for clock skew.
	span := azlogs.NewTimeInterval(notBefore.Add(-time.Second), s.now().Add(time.Hour))
	resp, err := s.client.QueryWorkspace(ctx, s.cfg.WorkspaceID, azlogs.QueryBody{Query: to.Ptr(q), Timespan: &span}, nil)
	if err != nil {
		return false, fmt.Errorf("loganalytics %s: query: %w", s.cfg.Name, err)
	}
	if resp.Error != nil {
		return false, fmt.Errorf("%w: %s", errPartial, resp.Error.Code)
	}
	if len(resp.Tables) == 0 {
		return false, fmt.Errorf("loganalytics %s: result has no table", s.cfg.Name)
	}
	p, err := readTable(s.cfg.Name, s.cfg.Table, resp.Tables[0])
	if err != nil {
		return false, err
	}
	full := p.rows >= s.limit
	next := wm
	if p.newest.After(next.Ingested) {
		next.Ingested = p.newest
	}
	b := store.Batch{Source: s.cfg.Name, Events: p.events, DeadLetters: p.dead}
	if !next.Ingested.Equal(wm.Ingested) || saved[checkpointItem] == "" {
		v, _ := json.Marshal(next)
		b.Checkpoints = []store.Checkpoint{{Source: s.cfg.Name, Item: checkpointItem, Value: string(v)}}
	}
	if len(b.Events)+len(b.DeadLetters)+len(b.Checkpoints) > 0 {
		if _, err := sub.Submit(ctx, b); err != nil {
			return false, err
		}
	}
	switch {
	case full && !next.Ingested.After(wm.Ingested) && s.exact:
		// A full page that did not move the watermark: more rows share
		// one ingestion time than fit in a page. Ask for more at once.
		s.limit = min(s.limit*2, maxRowsCeiling)
		s.log.Warn("loganalytics: many rows share one ingestion time, raising the page size", "source", s.cfg.Name, "rows", s.limit)
	case !full:
		s.limit = s.cfg.MaxRows
	}
	s.exact = full
	return full, nil
}
