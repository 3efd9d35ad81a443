package storage

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Defaults for a Config's zero fields.
const (
	DefaultContainer = "insights-logs-auditevent"
	DefaultPrefix    = "resourceId="
	// DefaultSettle: Azure appends whole records; a last line without a
	// line end that has not changed for this long will not get one.
	DefaultSettle = 10 * time.Minute
)

// Config says which blobs to read.
type Config struct {
	Name      string // the source's name (Batch.Source, checkpoint key)
	Container string
	Prefix    string
	Settle    time.Duration
	MaxAge    time.Duration // skip blobs last modified longer ago; 0: none skipped
}

// Source polls one container. It is a source.Poller; it is not safe for
// concurrent polls.
type Source struct {
	cfg    Config
	client *azblob.Client
	cps    source.Checkpoints
	log    *slog.Logger
	now    func() time.Time
}

// New returns a source reading with client and resuming from the
// checkpoints in cps.
func New(cfg Config, client *azblob.Client, cps source.Checkpoints, log *slog.Logger) *Source {
	if cfg.Container == "" {
		cfg.Container = DefaultContainer
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Settle <= 0 {
		cfg.Settle = DefaultSettle
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, client: client, cps: cps, log: log, now: time.Now}
}

// blob is what the listing says about one blob.
type blob struct {
	name     string
	size     int64
	etag     string
	modified time.Time
}

// Poll reads what every blob gained since the last poll.
func (s *Source) Poll(ctx context.Context, sub source.Submitter) (bool, error) {
	blobs, err := s.list(ctx)
	if err != nil {
		return false, redact(err)
	}
	saved, err := s.cps.Checkpoints(ctx, s.cfg.Name)
	if err != nil {
		return false, err
	}
	if err := s.forget(ctx, saved, blobs); err != nil {
		return false, err
	}
	for _, b := range blobs {
		if err := s.follow(ctx, sub, b, saved[b.name]); err != nil {
			return false, redact(fmt.Errorf("storage %s: blob %s: %w", s.cfg.Name, b.name, err))
		}
	}
	return false, nil
}

// forget drops the checkpoints of blobs the complete listing no longer
// shows: deleted by the account's lifecycle policy, or past MaxAge (which
// only grows). Without this the checkpoint table would keep a row for every
// hourly blob of every vault forever.
func (s *Source) forget(ctx context.Context, saved map[string]string, listed []blob) error {
	names := make([]string, len(listed))
	for i, b := range listed {
		names[i] = b.name
	}
	gone := source.Gone(saved, names)
	if len(gone) == 0 {
		return nil
	}
	if err := s.cps.DeleteCheckpoints(ctx, s.cfg.Name, gone); err != nil {
		return err
	}
	s.log.Debug("storage: forgot checkpoints of blobs no longer listed", "source", s.cfg.Name, "blobs", len(gone))
	return nil
}

func (s *Source) list(ctx context.Context) ([]blob, error) {
	var out []blob
	pager := s.client.NewListBlobsFlatPager(s.cfg.Container, &azblob.ListBlobsFlatOptions{Prefix: to.Ptr(s.cfg.Prefix)})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			return nil, fmt.Errorf("storage %s: container %s does not exist (yet): has a diagnostic setting sent AuditEvent logs to this account?", s.cfg.Name, s.cfg.Container)
		}
		if err != nil {
			return nil, fmt.Errorf("storage %s: listing %s: %w", s.cfg.Name, s.cfg.Container, err)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil || it.Properties == nil || (it.Deleted != nil && *it.Deleted) {
				continue
			}
			b := blob{name: *it.Name}
			if p := it.Properties; p.ContentLength != nil {
				b.size = *p.ContentLength
			}
			if p := it.Properties; p.ETag != nil {
				b.etag = string(*p.ETag)
			}
			if p := it.Properties; p.LastModified != nil {
				b.modified = *p.LastModified
			}
			if s.cfg.MaxAge > 0 && !b.modified.IsZero() && s.now().Sub(b.modified) > s.cfg.MaxAge {
				continue
			}
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b blob) int { return blobOrder(a.name, b.name) })
	return out, nil
}

// follow reads one blob from its checkpoint.
func (s *Source) follow(ctx context.Context, sub source.Submitter, b blob, saved string) error {
	cp, known := parseCheckpoint(saved)
	switch {
	case known && cp.Whole && cp.ETag == b.etag:
		return nil // the document has not changed
	case known && !cp.Whole && cp.Offset == b.size:
		return nil // nothing appended
	case known && !cp.Whole && cp.Offset > b.size:
		s.log.Info("storage: blob shorter than what was read, reading it from the start", "source", s.cfg.Name, "blob", b.name)
		known = false
	}
	settled := !b.modified.IsZero() && s.now().Sub(b.modified) >= s.cfg.Settle
	if known && !cp.Whole && cp.Offset > 0 {
		return s.readLines(ctx, sub, b, cp, nil, settled)
	}
	// New, or a document that changed: decide the layout afresh.
	head, err := s.download(ctx, b.name, 0, min(b.size, source.ChunkSize))
	if err != nil {
		return err
	}
	switch source.DetectLayout(head) {
	case source.LayoutUnknown:
		return nil // empty so far
	case source.LayoutDocument:
		return s.readWhole(ctx, sub, b, settled)
	}
	return s.readLines(ctx, sub, b, checkpoint{Line: 1}, head, settled)
}

// readLines reads complete lines from the checkpoint to the size listed,
// a range download per chunk, each batch carrying the offset after it.
// first, if not nil, is the chunk at the checkpoint already downloaded.
func (s *Source) readLines(ctx context.Context, sub source.Submitter, b blob, cp checkpoint, first []byte, settled bool) error {
	for cp.Offset < b.size {
		chunk := first
		first = nil
		if chunk == nil {
			var err error
			if chunk, err = s.download(ctx, b.name, cp.Offset, min(b.size-cp.Offset, source.ChunkSize)); err != nil {
				return err
			}
		}
		complete := source.CompleteLines(chunk)
		switch {
		case len(complete) > 0:
		case len(chunk) == source.ChunkSize:
			complete = chunk // not a record: let the decoder say so and move on
		case settled && len(chunk) > 0:
			complete = chunk // the last line will get no line end
		default:
			return nil // a line still being written: next poll
		}
		base := auditlog.Position{File: b.name, Line: cp.Line, Offset: cp.Offset}
		events, dead, err := source.DecodeChunk(s.cfg.Name, complete, base)
		if err != nil {
			return err
		}
		cp.Offset += int64(len(complete))
		cp.Line += int64(bytes.Count(complete, []byte{'\n'}))
		if err := s.submit(ctx, sub, store.Batch{Events: events, DeadLetters: dead,
			Checkpoints: []store.Checkpoint{{Source: s.cfg.Name, Item: b.name, Value: cp.String()}}}); err != nil {
			return err
		}
	}
	return nil
}

// readWhole reads a one-document blob whole, streaming it in batches; the
// checkpoint, with the ETag of what was read, goes with the last batch.
func (s *Source) readWhole(ctx context.Context, sub source.Submitter, b blob, settled bool) error {
	if !settled {
		tail, err := s.download(ctx, b.name, max(b.size-64, 0), min(b.size, 64))
		if err != nil {
			return err
		}
		if !source.DocumentComplete(tail) {
			return nil // still being written
		}
	}
	resp, err := s.client.DownloadStream(ctx, s.cfg.Container, b.name, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	cp := checkpoint{Whole: true, Line: 1, ETag: b.etag}
	if resp.ETag != nil {
		cp.ETag = string(*resp.ETag)
	}
	return source.DecodeStream(s.cfg.Name, resp.Body, b.name, func(events []auditlog.Event, dead []store.DeadLetter, last bool) error {
		batch := store.Batch{Events: events, DeadLetters: dead}
		if last {
			batch.Checkpoints = []store.Checkpoint{{Source: s.cfg.Name, Item: b.name, Value: cp.String()}}
		}
		return s.submit(ctx, sub, batch)
	})
}

func (s *Source) submit(ctx context.Context, sub source.Submitter, b store.Batch) error {
	b.Source = s.cfg.Name
	_, err := sub.Submit(ctx, b)
	return err
}

// download reads count bytes of a blob from off. Appended blocks never
// change, so a range below the listed size is stable.
func (s *Source) download(ctx context.Context, name string, off, count int64) ([]byte, error) {
	if count <= 0 {
		return nil, nil
	}
	resp, err := s.client.DownloadStream(ctx, s.cfg.Container, name, &azblob.DownloadStreamOptions{
		Range: azblob.HTTPRange{Offset: off, Count: count},
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.Grow(int(count))
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	if int64(buf.Len()) != count {
		return nil, fmt.Errorf("range download at %d: got %d bytes; want %d", off, buf.Len(), count)
	}
	return buf.Bytes(), nil
}
