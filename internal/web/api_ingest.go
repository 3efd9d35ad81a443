package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/store"
)

// MaxIngestBody is the largest request body POST /api/v1/ingest/azure-keyvault
// accepts (compressed size as sent); larger bodies get 413. Event Hubs
// messages are at most 1 MiB and Azure Functions forward at most 100 MiB, so
// 32 MiB lets a forwarder batch generously without letting one request hold
// the server's memory.
const MaxIngestBody = 32 << 20

// Submitter stores a batch durably; *ingest.Pipeline is one.
type Submitter interface {
	Submit(ctx context.Context, b store.Batch) (store.Accepted, error)
}

type ingestError struct {
	Position string `json:"position"`
	Error    string `json:"error"`
}

// maxReportedErrors bounds the per-record errors echoed in a response.
const maxReportedErrors = 100

// ingestRecords is POST /api/v1/ingest/azure-keyvault: any record shape,
// gzip or not. 202 only after the records are durably stored; malformed
// records among good ones are dead-lettered and listed in the response (as
// are, counted only, records the database refuses); a body with no valid
// record at all is a 400 and changes nothing. 503 (retry) is for failures
// that may pass; what the database refuses for good is a 422.
func (h *handler) ingestRecords(w http.ResponseWriter, r *http.Request) {
	if h.ingest == nil {
		h.apiError(w, r, http.StatusServiceUnavailable, "ingestion is not enabled on this server")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxIngestBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.apiError(w, r, http.StatusRequestEntityTooLarge, "body larger than "+strconv.Itoa(MaxIngestBody)+" bytes: split it")
		return
	case err != nil:
		h.apiError(w, r, http.StatusBadRequest, "unable to read body: "+err.Error())
		return
	}
	batch, err := ingest.BatchFromBody("http", body, auditlog.Position{})
	switch {
	case errors.Is(err, auditlog.ErrBodyTooLarge):
		h.apiError(w, r, http.StatusRequestEntityTooLarge, err.Error())
		return
	case err != nil:
		h.apiError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	errs := make([]ingestError, 0, min(len(batch.DeadLetters), maxReportedErrors))
	for _, d := range batch.DeadLetters[:min(len(batch.DeadLetters), maxReportedErrors)] {
		errs = append(errs, ingestError{Position: d.Position, Error: d.Reason})
	}
	if len(batch.Events) == 0 {
		msg := "no records in body"
		if len(errs) > 0 {
			msg = "no valid record in body"
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": msg, "errors": errs})
		return
	}
	acc, err := h.ingest.Submit(r.Context(), batch)
	switch {
	case errors.Is(err, ingest.ErrRefused):
		// 503 says "try again": this would fail the same way forever.
		h.log.Error("ingest: records refused by the database", "err", err, "records", len(batch.Events))
		h.apiError(w, r, http.StatusUnprocessableEntity, "records cannot be stored: "+err.Error())
		return
	case err != nil:
		h.log.Error("ingest: records not stored", "err", err, "records", len(batch.Events))
		w.Header().Set("Retry-After", "5")
		h.apiError(w, r, http.StatusServiceUnavailable, "records not stored; retry")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"accepted": acc.New, "duplicates": acc.Duplicate, "dead_lettered": acc.DeadLetters, "errors": errs,
	})
}
