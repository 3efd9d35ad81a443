package incident

import (
	"errors"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/store"
)

func TestLifecycle(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		e.ingest(t, access{caller: "mallory", vault: "kv-pay", object: "db-password"})
		id := e.incidents(t)[0].ID
		svc := &Service{Store: e.st}
		ann := Actor{Name: "ann@example.com", RemoteAddr: "127.0.0.1"}

		in, err := svc.Comment(ctx, id, ann, "  looking at it  ")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := in.Status, StatusActive; got != want {
			t.Errorf("status after a comment: got %q; want %q", got, want)
		}
		if in, err = svc.Assign(ctx, id, ann, "bob@example.com"); err != nil || in.Owner != "bob@example.com" {
			t.Fatalf("assign: %+v %v", in, err)
		}
		if in, err = svc.Close(ctx, id, ann, TruePositive, "contained"); err != nil {
			t.Fatal(err)
		}
		if in.Status != StatusClosed || in.Classification != TruePositive || in.ClosedAt.IsZero() {
			t.Errorf("closed: %+v", in)
		}
		if _, err := svc.Close(ctx, id, ann, FalsePositive, ""); !errors.Is(err, ErrState) {
			t.Errorf("closing twice: got %v; want ErrState", err)
		}
		if in, err = svc.Reopen(ctx, id, ann, "more to do"); err != nil || in.Status != StatusActive || in.Classification != "" {
			t.Fatalf("reopen: %+v %v", in, err)
		}
		if _, err := svc.Reopen(ctx, id, ann, ""); !errors.Is(err, ErrState) {
			t.Errorf("reopening an open incident: got %v; want ErrState", err)
		}

		hist, err := e.st.IncidentHistory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hist {
			got = append(got, h.Actor+":"+h.Action+":"+h.NewValue)
			if h.Time.IsZero() {
				t.Errorf("history row without a time: %+v", h)
			}
		}
		want := "system:created:high system:alerts:1 ann@example.com:comment: ann@example.com:status:active " +
			"ann@example.com:assign:bob@example.com ann@example.com:close:true_positive ann@example.com:reopen:active"
		if strings.Join(got, " ") != want {
			t.Errorf("history:\n got %s\nwant %s", strings.Join(got, " "), want)
		}
		if hist[2].Detail != "looking at it" || hist[5].Detail != "contained" || hist[5].OldValue != StatusActive {
			t.Errorf("history details: %+v", hist)
		}
		audit, err := e.st.ListAudit(ctx, store.AuditFilter{Action: "incident.update"})
		if err != nil {
			t.Fatal(err)
		}
		if len(audit) != 4 || audit[0].Actor != "ann@example.com" || audit[0].RemoteAddr != "127.0.0.1" || !strings.HasPrefix(audit[0].Target, "incident:") {
			t.Errorf("audit trail: %+v", audit)
		}
	})
}

func TestLifecycleRejectsBadInputAndChangesNothing(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		e.ingest(t, access{caller: "mallory", vault: "kv-pay", object: "db-password"})
		id := e.incidents(t)[0].ID
		svc := &Service{Store: e.st}
		ann := Actor{Name: "ann"}
		tests := []struct {
			name  string
			do    func() error
			field string
		}{
			{"no classification", func() error { _, err := svc.Close(ctx, id, ann, "", ""); return err }, "classification"},
			{"bad classification", func() error { _, err := svc.Close(ctx, id, ann, "fine", ""); return err }, "classification"},
			{"empty comment", func() error { _, err := svc.Comment(ctx, id, ann, "   "); return err }, "comment"},
			{"long comment", func() error { _, err := svc.Comment(ctx, id, ann, strings.Repeat("x", MaxComment+1)); return err }, "comment"},
			{"NUL in comment", func() error { _, err := svc.Comment(ctx, id, ann, "a\x00b"); return err }, "comment"},
			{"two-line owner", func() error { _, err := svc.Assign(ctx, id, ann, "a\nb"); return err }, "owner"},
			{"no actor", func() error { _, err := svc.Comment(ctx, id, Actor{}, "hi"); return err }, "actor"},
		}
		for _, tt := range tests {
			var ie *InputError
			if err := tt.do(); !errors.As(err, &ie) || ie.Field != tt.field {
				t.Errorf("%s: got %v; want an input error on %s", tt.name, err, tt.field)
			}
		}
		if _, err := svc.Comment(ctx, id+100, ann, "hi"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown incident: got %v; want ErrNotFound", err)
		}
		in := e.incidents(t)[0]
		if in.Status != StatusNew {
			t.Errorf("status changed by refused input: %q", in.Status)
		}
		hist, _ := e.st.IncidentHistory(ctx, id)
		if len(hist) != 2 {
			t.Errorf("history grew by refused input: %+v", hist)
		}
	})
}
