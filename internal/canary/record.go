package canary

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// SinkTimeout bounds how long a listener waits for its Sink before it
// answers its client anyway.
const SinkTimeout = 5 * time.Second

// Recorder hands a listener's hits to a Sink, at most Limit's worth per
// source address, and logs each one. A token is logged at debug level
// only: it names a decoy. The listeners each hold one.
type Recorder struct {
	sink    Sink
	limiter *Limiter
	log     *slog.Logger
}

// NewRecorder returns a Recorder handing hits to sink under l per source
// address. A nil log discards.
func NewRecorder(sink Sink, l Limit, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{sink: sink, limiter: NewLimiter(l, DefaultMaxAddresses), log: log}
}

// Record hands h to the sink unless h's source has used up its limit
// (ErrRateLimited). It returns once the sink has, or SinkTimeout passed;
// the listener answers its client the same whatever the error.
func (r *Recorder) Record(ctx context.Context, h Hit) error {
	if !r.limiter.Allow(h.Remote.Addr()) {
		r.log.Debug("canary: hit dropped, source over its limit", "kind", h.Kind, "remote", h.Remote, "token", h.Token)
		return ErrRateLimited
	}
	ctx, cancel := context.WithTimeout(ctx, SinkTimeout)
	defer cancel()
	err := r.sink.Hit(ctx, h)
	r.log.Debug("canary: hit", "kind", h.Kind, "remote", h.Remote, "token", h.Token, "detail", h.Detail)
	if err != nil {
		r.log.Warn("canary: hit not stored", "kind", h.Kind, "remote", h.Remote, "token_found", h.Token != "", "err", redact(err, h.Token))
		return err
	}
	r.log.Info("canary: hit", "kind", h.Kind, "remote", h.Remote, "token_found", h.Token != "")
	return nil
}

// redact is err's text without tok: a sink's error may quote the hit it
// refused, and the token must not reach a log above debug.
func redact(err error, tok string) string {
	if tok == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), tok, "[token]")
}
