package canary

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
)

type sinkFunc func(context.Context, Hit) error

func (f sinkFunc) Hit(ctx context.Context, h Hit) error { return f(ctx, h) }

func TestRecorderLogsNoTokenAboveDebug(t *testing.T) {
	tok := NewToken()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	fail := false
	sink := sinkFunc(func(context.Context, Hit) error {
		if fail {
			return errors.New("registry: hit for " + tok + " not stored: database is locked")
		}
		return nil
	})
	rec := NewRecorder(sink, Limit{Rate: 1, Burst: 2}, log)
	h := Hit{Kind: KindHTTP, Token: tok, Remote: netip.MustParseAddrPort("192.0.2.1:443"), Detail: map[string]string{"path": "/k/" + tok}}
	if err := rec.Record(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	fail = true
	if err := rec.Record(context.Background(), h); err == nil {
		t.Fatal("the sink's error was lost")
	}
	if err := rec.Record(context.Background(), h); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("third hit over a burst of 2: %v; want ErrRateLimited", err)
	}
	out := logs.String()
	if strings.Contains(out, tok) {
		t.Errorf("a token reached the log at info level or above:\n%s", out)
	}
	for _, want := range []string{"canary: hit", "token_found=true", "kind=http", "database is locked", "level=WARN"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
