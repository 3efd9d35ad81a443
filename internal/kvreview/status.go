package kvreview

import "strings"

// SubscriptionStatus is one subscription's compliance with the tag flow:
// how many of its vaults carry which value, and how many carry a value
// that no longer matches their coverage.
type SubscriptionStatus struct {
	Subscription string
	Vaults       int
	Reviewed     int // carry the reviewed value
	ReviewNeeded int // carry the review-needed value
	Untagged     int // carry no such tag
	Other        int // carry some other value
	Covered      int // hold an active decoy
	Stale        int // carry a value their coverage contradicts (or none)
}

// Compliant is the share of vaults that carry the reviewed value, as the
// Azure Policy audit counts them (0 for no vault).
func (s SubscriptionStatus) Compliant() float64 {
	if s.Vaults == 0 {
		return 0
	}
	return float64(s.Reviewed) / float64(s.Vaults)
}

// Status tallies a plan per subscription, in the plan's order.
func Status(s Settings, plan []Change) []SubscriptionStatus {
	var out []SubscriptionStatus
	idx := map[string]int{}
	for _, c := range plan {
		k := strings.ToLower(c.Subscription)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, SubscriptionStatus{Subscription: c.Subscription})
		}
		st := &out[i]
		st.Vaults++
		switch {
		case !c.Has:
			st.Untagged++
		case c.Current == s.Reviewed:
			st.Reviewed++
		case c.Current == s.ReviewNeeded:
			st.ReviewNeeded++
		default:
			st.Other++
		}
		if c.Active > 0 {
			st.Covered++
		}
		if c.Needed() {
			st.Stale++
		}
	}
	return out
}
