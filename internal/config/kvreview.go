package config

import (
	"errors"
	"fmt"
	"strings"
)

// KVReview configures the KVReview tag flow of the original Sentinel
// solution: ReviewNeeded on vaults without an active decoy, Reviewed on
// vaults with one (honeyvault policy tag; serve when Enabled).
type KVReview struct {
	// Enabled has serve keep every discovered vault's tag current, after
	// each discovery and each deploy or retire. Off by default: it writes
	// to vaults.
	Enabled bool `yaml:"enabled"`
	// Tag is the tag's name, Reviewed and ReviewNeeded its two values.
	Tag          string `yaml:"tag"`
	Reviewed     string `yaml:"reviewed"`
	ReviewNeeded string `yaml:"review_needed"`
}

// DefaultKVReview names the original's tag and values, off.
func DefaultKVReview() KVReview {
	return KVReview{Tag: "KVReview", Reviewed: "Reviewed", ReviewNeeded: "ReviewNeeded"}
}

func (k KVReview) validate() error {
	if k.Tag == "" || len(k.Tag) > 512 || strings.ContainsAny(k.Tag, `<>%&\?/`) {
		return &Error{Setting: "kvreview.tag", Err: fmt.Errorf("%q: want 1 to 512 characters, none of < > %% & \\ ? /", k.Tag)}
	}
	for key, v := range map[string]string{"kvreview.reviewed": k.Reviewed, "kvreview.review_needed": k.ReviewNeeded} {
		if v == "" || len(v) > 256 {
			return &Error{Setting: key, Err: fmt.Errorf("%q: want 1 to 256 characters", v)}
		}
	}
	if k.Reviewed == k.ReviewNeeded {
		return &Error{Setting: "kvreview.review_needed", Err: errors.New("the same value as kvreview.reviewed: the two must differ")}
	}
	return nil
}
