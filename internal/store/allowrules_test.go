package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDeleteAllowRuleIsAuditedAndKeepsTheOthers(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		keep, gone := AllowRule{Identity: "keep-oid"}, AllowRule{Identity: "backup-sp", Operations: []string{"SecretBackup"}, Note: "nightly backup"}
		for _, r := range []*AllowRule{&keep, &gone} {
			if err := s.AddAllowRule(ctx, r, AuditEntry{Actor: "token:7 (alice)"}); err != nil {
				t.Fatal(err)
			}
		}
		if gone.CreatedBy != "token:7 (alice)" {
			t.Errorf("CreatedBy after add: got %q", gone.CreatedBy)
		}
		if err := s.DeleteAllowRule(ctx, gone.ID, AuditEntry{}); err == nil {
			t.Errorf("a rule was deleted without saying who asked")
		}
		if err := s.DeleteAllowRule(ctx, gone.ID, AuditEntry{Actor: "token:8 (bob)"}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAllowRule(ctx, gone.ID, AuditEntry{Actor: "token:8 (bob)"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: got %v; want ErrNotFound", err)
		}
		rules, err := s.AllowRules(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != 1 || rules[0].ID != keep.ID || rules[0].CreatedBy != "token:7 (alice)" {
			t.Errorf("rules left: got %+v; want only %d by alice", rules, keep.ID)
		}
		trail, _ := s.ListAudit(ctx, AuditFilter{Action: "allow.remove"})
		if len(trail) != 1 || trail[0].Actor != "token:8 (bob)" || !strings.Contains(trail[0].Detail, "SecretBackup by backup-sp does not alert") ||
			!strings.Contains(trail[0].Detail, "nightly backup") {
			t.Errorf("audit trail: got %+v", trail)
		}
	})
}
