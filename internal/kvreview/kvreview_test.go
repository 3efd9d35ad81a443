package kvreview

import (
	"reflect"
	"testing"
)

func TestPlanAndStatus(t *testing.T) {
	s := DefaultSettings()
	plan := Plan(s, []Vault{
		{ID: "/subscriptions/b/x/kv-b", Name: "kv-b", Subscription: "B", Active: 0, Tags: map[string]string{"kvreview": "ReviewNeeded"}},
		{ID: "/subscriptions/a/x/kv-z", Name: "kv-z", Subscription: "a", Active: 2},
		{ID: "/subscriptions/a/x/kv-a", Name: "KV-A", Subscription: "a", Active: 0, Tags: map[string]string{"KVReview": "Reviewed", "owner": "x"}},
		{ID: "/subscriptions/a/x/kv-m", Name: "kv-m", Subscription: "a", Active: 1, Tags: map[string]string{"KVReview": "Reviewed"}},
		{ID: "/subscriptions/a/x/kv-o", Name: "kv-o", Subscription: "a", Active: 1, Tags: map[string]string{"KVReview": ""}},
	})
	type row struct {
		name, current string
		has           bool
		want          string
		needed        bool
	}
	var got []row
	for _, c := range plan {
		got = append(got, row{c.Name, c.Current, c.Has, c.Want, c.Needed()})
	}
	want := []row{
		{"KV-A", "Reviewed", true, "ReviewNeeded", true}, // no decoy: the tag is wrong
		{"kv-m", "Reviewed", true, "Reviewed", false},
		{"kv-o", "", true, "Reviewed", true}, // an empty value is a value, and wrong
		{"kv-z", "", false, "Reviewed", true},
		{"kv-b", "ReviewNeeded", true, "ReviewNeeded", false}, // the tag's name in another case
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plan\n got %+v\nwant %+v", got, want)
	}

	st := Status(s, plan)
	wantSt := []SubscriptionStatus{
		{Subscription: "a", Vaults: 4, Reviewed: 2, Untagged: 1, Other: 1, Covered: 3, Stale: 3},
		{Subscription: "B", Vaults: 1, ReviewNeeded: 1, Stale: 0},
	}
	if !reflect.DeepEqual(st, wantSt) {
		t.Errorf("status\n got %+v\nwant %+v", st, wantSt)
	}
	if c := st[0].Compliant(); c != 0.5 {
		t.Errorf("compliant %v; want 0.5", c)
	}
	if c := (SubscriptionStatus{}).Compliant(); c != 0 {
		t.Errorf("compliant of nothing %v", c)
	}

	if d := Describe(s, plan[0]); d != "KVReview: Reviewed → ReviewNeeded (no active decoy)" {
		t.Errorf("describe: %q", d)
	}
	if d := Describe(s, plan[3]); d != "KVReview: (none) → Reviewed (2 active decoys)" {
		t.Errorf("describe: %q", d)
	}
	if a := After(s, plan[4]); !reflect.DeepEqual(a, map[string]string{"KVReview": "ReviewNeeded"}) {
		t.Errorf("after replaces the tag of another case: %v", a)
	}
	if a := After(s, plan[0]); !reflect.DeepEqual(a, map[string]string{"KVReview": "ReviewNeeded", "owner": "x"}) {
		t.Errorf("after keeps other tags: %v", a)
	}
}
