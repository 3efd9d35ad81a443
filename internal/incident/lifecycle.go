package incident

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/honeyvault/honeyvault/internal/store"
)

// Classifications a closed incident carries.
const (
	TruePositive   = "true_positive"   // a real, malicious access
	BenignPositive = "benign_positive" // real but expected: a pen test, a mistaken script
	FalsePositive  = "false_positive"  // not a real access
)

// Classifications lists them in a stable order.
var Classifications = []string{TruePositive, BenignPositive, FalsePositive}

// Errors of lifecycle changes. Input errors are *InputError.
var (
	// ErrNotFound: no incident with that id.
	ErrNotFound = store.ErrNotFound
	// ErrState: the change does not apply in the incident's status (closing
	// a closed incident, reopening an open one).
	ErrState = errors.New("incident: not allowed in this status")
)

// InputError is a change refused for its input: which field and why.
type InputError struct {
	Field, Reason string
}

// Error formats the error for people.
func (e *InputError) Error() string { return "incident: " + e.Field + ": " + e.Reason }

// Limits on what people type.
const (
	MaxComment = 8000
	MaxOwner   = 200
)

// Actor is who makes a change, as the history and the audit trail show it.
type Actor struct {
	Name       string // auth.Principal.Actor(): an e-mail, "token:12 (ci)", ...
	RemoteAddr string
}

// Service makes people's changes to incidents: each change and its history
// and audit rows commit in one transaction.
type Service struct {
	Store *store.Store
}

// Close closes incident id with a classification and an optional comment.
func (s *Service) Close(ctx context.Context, id int64, by Actor, classification, comment string) (store.Incident, error) {
	classification = strings.TrimSpace(classification)
	if !isClassification(classification) {
		return store.Incident{}, &InputError{"classification", "want one of " + strings.Join(Classifications, ", ")}
	}
	comment, err := checkText("comment", comment, MaxComment, false)
	if err != nil {
		return store.Incident{}, err
	}
	return s.change(ctx, id, by, func(in *store.Incident) ([]store.HistoryEntry, error) {
		if in.Status == StatusClosed {
			return nil, fmt.Errorf("%w: incident %d is already closed", ErrState, id)
		}
		h := []store.HistoryEntry{{Action: "close", OldValue: in.Status, NewValue: classification, Detail: comment}}
		in.Status, in.Classification, in.ClosedAt = StatusClosed, classification, in.UpdatedAt
		return h, nil
	})
}

// Reopen makes closed incident id active again; its classification is
// cleared (the history keeps it).
func (s *Service) Reopen(ctx context.Context, id int64, by Actor, comment string) (store.Incident, error) {
	comment, err := checkText("comment", comment, MaxComment, false)
	if err != nil {
		return store.Incident{}, err
	}
	return s.change(ctx, id, by, func(in *store.Incident) ([]store.HistoryEntry, error) {
		if in.Status != StatusClosed {
			return nil, fmt.Errorf("%w: incident %d is not closed", ErrState, id)
		}
		h := []store.HistoryEntry{{Action: "reopen", OldValue: in.Classification, NewValue: StatusActive, Detail: comment}}
		in.Status, in.Classification = StatusActive, ""
		return h, nil
	})
}

// Assign gives incident id to owner ("" to unassign). A new incident
// becomes active.
func (s *Service) Assign(ctx context.Context, id int64, by Actor, owner string) (store.Incident, error) {
	owner, err := checkText("owner", owner, MaxOwner, false)
	if err != nil {
		return store.Incident{}, err
	}
	if strings.ContainsAny(owner, "\r\n\t") {
		return store.Incident{}, &InputError{"owner", "must be one line"}
	}
	return s.change(ctx, id, by, func(in *store.Incident) ([]store.HistoryEntry, error) {
		h := []store.HistoryEntry{{Action: "assign", OldValue: in.Owner, NewValue: owner}}
		in.Owner = owner
		return append(h, activate(in)...), nil
	})
}

// Comment adds a comment to incident id. A new incident becomes active:
// someone is working on it.
func (s *Service) Comment(ctx context.Context, id int64, by Actor, text string) (store.Incident, error) {
	text, err := checkText("comment", text, MaxComment, true)
	if err != nil {
		return store.Incident{}, err
	}
	return s.change(ctx, id, by, func(in *store.Incident) ([]store.HistoryEntry, error) {
		h := []store.HistoryEntry{{Action: "comment", Detail: text}}
		return append(h, activate(in)...), nil
	})
}

// activate moves a new incident to active.
func activate(in *store.Incident) []store.HistoryEntry {
	if in.Status != StatusNew {
		return nil
	}
	in.Status = StatusActive
	return []store.HistoryEntry{{Action: "status", OldValue: StatusNew, NewValue: StatusActive}}
}

// change reads incident id for update, applies fn, and saves the incident
// with fn's history rows and an audit row, in one transaction.
func (s *Service) change(ctx context.Context, id int64, by Actor, fn func(*store.Incident) ([]store.HistoryEntry, error)) (store.Incident, error) {
	if strings.TrimSpace(by.Name) == "" {
		return store.Incident{}, &InputError{"actor", "unknown"}
	}
	var out store.Incident
	err := s.Store.Update(ctx, func(tx *store.Tx) error {
		in, err := tx.IncidentForUpdate(ctx, id)
		if err != nil {
			return err
		}
		in.UpdatedAt = tx.Now()
		hist, err := fn(&in)
		if err != nil {
			return err
		}
		if err := tx.SaveIncident(ctx, in); err != nil {
			return err
		}
		var summary []string
		for _, h := range hist {
			h.IncidentID, h.Actor, h.Time = id, by.Name, in.UpdatedAt
			if err := tx.AddHistory(ctx, h); err != nil {
				return err
			}
			summary = append(summary, h.Action+" "+h.NewValue)
		}
		if err := tx.RecordAudit(ctx, store.AuditEntry{Time: in.UpdatedAt, Actor: by.Name, Action: "incident.update",
			Target: "incident:" + strconv.FormatInt(id, 10), Detail: strings.Join(summary, "; "), RemoteAddr: by.RemoteAddr}); err != nil {
			return err
		}
		out = in
		return nil
	})
	return out, err
}

func isClassification(s string) bool {
	for _, c := range Classifications {
		if s == c {
			return true
		}
	}
	return false
}

// checkText trims s and checks it is valid UTF-8 without NULs, at most max
// bytes, and present when required.
func checkText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return "", &InputError{field, "required"}
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "", &InputError{field, "not valid text"}
	case len(s) > max:
		return "", &InputError{field, "longer than " + strconv.Itoa(max) + " bytes"}
	}
	return s, nil
}
