package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/store"
)

// MaxIngestBody is the largest request body POST /api/v1/ingest/azure-keyvault
// accepts (compressed size as sent); larger bodies get 413. Event Hubs
// messages are at most 1 MiB and Azure Functions forward at most 100 MiB, so
// 32 MiB lets a forwarder batch generously. What a body decompresses to is
// bounded apart (auditlog.MaxBodySize), and neither bounds memory: the body
// is read as a stream.
const MaxIngestBody = 32 << 20

// Submitter stores batches durably; *ingest.Pipeline is one.
type Submitter interface {
	ingest.BulkSubmitter
}

// IngestLimits bound the ingest endpoint's use of the server. The zero
// value takes the defaults.
type IngestLimits struct {
	// Concurrent is how many ingest requests are read and stored at once;
	// more get 429 with Retry-After. At most half of them (at least one)
	// may be bodies larger than one chunk, so that large bodies, which
	// take longest, never crowd out the small posts most decoy accesses
	// come in. 0: DefaultIngestConcurrent.
	Concurrent int
	// Chunking bounds the chunks a body is stored in (see ingest.StreamBody).
	Chunking ingest.Chunking
	// ReadTimeout is the time a client has to send its body; the time
	// honeyvault spends storing the chunks already read is added to it.
	// 0: no deadline is set here.
	ReadTimeout time.Duration
}

// DefaultIngestConcurrent is IngestLimits.Concurrent's default: enough for
// several forwarders at once, and what bounds the memory ingestion takes.
const DefaultIngestConcurrent = 8

// ingestRecords is POST /api/v1/ingest/azure-keyvault: any record shape,
// gzip or not, by content whatever the Content-Type. The body is read as a
// stream and stored in chunks (see ingest.StreamBody); 202 only after every
// chunk is durably stored. Malformed records among good ones are
// dead-lettered and listed in the response (as are, counted only, records
// the database refuses); a body with no valid record is a 400 and changes
// nothing. Beyond IngestLimits.Concurrent requests at once (after waiting
// up to slotWait for one to end), or half as many large bodies, the answer
// is 429. 503 (retry) is for failures that may pass; what the database
// refuses for good is a 422.
func (h *handler) ingestRecords(w http.ResponseWriter, r *http.Request) {
	if h.ingest == nil {
		h.apiError(w, r, http.StatusServiceUnavailable, "ingestion is not enabled on this server")
		return
	}
	if !h.takeIngestSlot(r.Context()) {
		w.Header().Set("Retry-After", "1")
		h.apiError(w, r, http.StatusTooManyRequests, "too many ingest requests at once; retry later")
		return
	}
	defer func() { <-h.ingestSlots }()
	large := &largeBodySlot{Submitter: h.ingest, slots: h.largeSlots}
	defer large.release()
	var sub Submitter = large
	if h.ingestLimits.ReadTimeout > 0 {
		sub = extendReadDeadline(w, sub, h.ingestLimits.ReadTimeout)
	}
	res, err := ingest.StreamBody(r.Context(), "http", r.Body, h.ingestLimits.Chunking, sub)
	errs := make([]api.IngestError, 0, len(res.Errors))
	for _, d := range res.Errors {
		errs = append(errs, api.IngestError{Position: d.Position, Error: d.Reason})
	}
	if err != nil {
		h.ingestFailed(w, r, res, errs, err)
		return
	}
	writeJSON(w, http.StatusAccepted, api.IngestResult{
		Accepted: res.Accepted.New, Duplicates: res.Accepted.Duplicate, DeadLettered: res.Accepted.DeadLetters, Errors: errs,
	})
}

// slotWait is how long a request waits for a slot when all are taken: a
// burst of small posts (which hold a slot for one commit) queues briefly
// instead of failing. Waiting holds no body: it is not read yet.
const slotWait = time.Second

// takeIngestSlot takes a slot for a request, waiting up to slotWait (with
// at most as many requests waiting as there are slots; any more are
// refused at once). It reports whether it got one.
func (h *handler) takeIngestSlot(ctx context.Context) bool {
	select {
	case h.ingestSlots <- struct{}{}:
		return true
	default:
	}
	if h.ingestWaiting.Add(1) > int64(cap(h.ingestSlots)) {
		h.ingestWaiting.Add(-1)
		return false
	}
	defer h.ingestWaiting.Add(-1)
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case h.ingestSlots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// ingestFailed answers a body that was not stored whole. Chunks stored
// before the failure stay stored; the message says how many records, and
// that sending the body again is harmless.
func (h *handler) ingestFailed(w http.ResponseWriter, r *http.Request, res ingest.BodyResult, errs []api.IngestError, err error) {
	stored := ""
	if n := res.Accepted.New + res.Accepted.Duplicate + res.Accepted.DeadLetters; n > 0 {
		stored = fmt.Sprintf(" (the first %d records were stored; sending them again is harmless)", n)
	}
	var tooBig *http.MaxBytesError
	var notStored *ingest.SubmitError
	switch {
	case errors.As(err, &tooBig):
		h.apiError(w, r, http.StatusRequestEntityTooLarge, "body larger than "+strconv.Itoa(MaxIngestBody)+" bytes: split it"+stored)
	case errors.Is(err, auditlog.ErrBodyTooLarge):
		h.apiError(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("body decompresses to more than %d bytes: split it%s", auditlog.MaxBodySize, stored))
	case errors.Is(err, ingest.ErrNoRecords):
		writeJSON(w, http.StatusBadRequest, api.IngestRefusal{Error: "no records in body", Errors: errs})
	case errors.Is(err, ingest.ErrNoValidRecord):
		msg := "no valid record in body"
		if !res.Complete {
			msg = fmt.Sprintf("no valid record among the first %d records of the body; nothing stored", res.Read)
		}
		writeJSON(w, http.StatusBadRequest, api.IngestRefusal{Error: msg, Errors: errs})
	case errors.Is(err, errLargeBodiesBusy):
		w.Header().Set("Retry-After", "5")
		h.apiError(w, r, http.StatusTooManyRequests, "too many large bodies being stored at once; retry later")
	case errors.Is(err, ingest.ErrRefused):
		// 503 says "try again": this would fail the same way forever.
		reason := err
		if errors.As(err, &notStored) {
			reason = notStored.Err
		}
		h.log.Error("ingest: records refused by the database", "err", reason, "stored_before", res.Chunks)
		h.apiError(w, r, http.StatusUnprocessableEntity, "records cannot be stored: "+reason.Error()+stored)
	case errors.As(err, &notStored):
		h.log.Error("ingest: records not stored", "err", notStored.Err, "stored_before", res.Chunks)
		w.Header().Set("Retry-After", "5")
		h.apiError(w, r, http.StatusServiceUnavailable, "records not stored; retry"+stored)
	default:
		h.apiError(w, r, http.StatusBadRequest, err.Error()+stored)
	}
}

// extendReadDeadline returns sub with every chunk's storing time added to
// the connection's read deadline, which starts at timeout: a client sending
// a large body is not cut off because honeyvault was busy storing it, and a
// slow one still is.
func extendReadDeadline(w http.ResponseWriter, sub Submitter, timeout time.Duration) Submitter {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(timeout)
	rc.SetReadDeadline(deadline)
	return &deadlineSubmitter{next: sub, extend: func(d time.Duration) {
		deadline = deadline.Add(d)
		rc.SetReadDeadline(deadline)
	}}
}

type deadlineSubmitter struct {
	next   Submitter
	extend func(time.Duration)
}

func (s *deadlineSubmitter) Submit(ctx context.Context, b store.Batch) (store.Accepted, error) {
	start := time.Now()
	defer func() { s.extend(time.Since(start)) }()
	return s.next.Submit(ctx, b)
}

func (s *deadlineSubmitter) SubmitBulk(ctx context.Context, b store.Batch) (store.Accepted, error) {
	start := time.Now()
	defer func() { s.extend(time.Since(start)) }()
	return s.next.SubmitBulk(ctx, b)
}

// errLargeBodiesBusy refuses a body larger than one chunk while the large
// bodies allowed at once are being stored: nothing of it is stored yet.
var errLargeBodiesBusy = errors.New("web: too many large ingest bodies at once")

// largeBodySlot takes one of the large-body slots before a request's first
// bulk chunk (the first sign that its body is larger than one chunk),
// waiting up to slotWait, or fails it with errLargeBodiesBusy. release
// gives the slot back.
type largeBodySlot struct {
	Submitter
	slots chan struct{}
	held  bool
}

func (s *largeBodySlot) SubmitBulk(ctx context.Context, b store.Batch) (store.Accepted, error) {
	if !s.held {
		t := time.NewTimer(slotWait)
		defer t.Stop()
		select {
		case s.slots <- struct{}{}:
			s.held = true
		case <-t.C:
			return store.Accepted{}, errLargeBodiesBusy
		case <-ctx.Done():
			return store.Accepted{}, ctx.Err()
		}
	}
	return s.Submitter.SubmitBulk(ctx, b)
}

func (s *largeBodySlot) release() {
	if s.held {
		<-s.slots
	}
}
