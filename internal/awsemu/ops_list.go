package awsemu

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Filter is a ListSecrets or BatchGetSecretValue filter.
type Filter struct {
	Key    string
	Values []string
}

// filterKeys are the keys the API accepts.
var filterKeys = []string{"description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"}

func checkFilters(fs []Filter) *apiError {
	for i, f := range fs {
		if !slices.Contains(filterKeys, f.Key) {
			return errValidation(f.Key, fmt.Sprintf("filters.%d.member.key", i+1), "Member must satisfy enum value set: ["+strings.Join(filterKeys, ", ")+"]")
		}
		if len(f.Values) == 0 || len(f.Values) > 10 {
			return errValidation(fmt.Sprint(f.Values), fmt.Sprintf("filters.%d.member.values", i+1), "Member must have length between 1 and 10")
		}
	}
	return nil
}

// matchFilters applies the filters as the API reference defines them:
// every filter must match, a filter matches when one of its values does,
// a value prefixed "!" matches when the plain value does not; name,
// tag-key and tag-value are case-sensitive prefix matches, description a
// case-insensitive prefix match, and "all" a case-insensitive substring
// match on name, description, tag keys and values (AWS splits into
// words; this is a simplification). No secret has a primary region or an
// owning service here.
func matchFilters(sec *secret, fs []Filter) bool {
	for _, f := range fs {
		hit := false
		for _, v := range f.Values {
			neg := strings.HasPrefix(v, "!")
			if neg {
				v = v[1:]
			}
			if matchFilter(sec, f.Key, v) != neg {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

func matchFilter(sec *secret, key, v string) bool {
	switch key {
	case "name":
		return strings.HasPrefix(sec.name, v)
	case "description":
		return strings.HasPrefix(strings.ToLower(sec.description), strings.ToLower(v))
	case "tag-key", "tag-value":
		for _, t := range sec.tags {
			if key == "tag-key" && strings.HasPrefix(t.Key, v) || key == "tag-value" && strings.HasPrefix(t.Value, v) {
				return true
			}
		}
	case "all":
		lv := strings.ToLower(v)
		fields := []string{sec.name, sec.description}
		for _, t := range sec.tags {
			fields = append(fields, t.Key, t.Value)
		}
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), lv) {
				return true
			}
		}
	}
	return false
}

type listSecretsInput struct {
	Filters                []Filter
	MaxResults             *int
	NextToken              string
	IncludePlannedDeletion bool
	SortOrder              string
}

type secretListEntry struct {
	ARN                    string
	Name                   string
	Description            string `json:",omitempty"`
	KmsKeyId               string `json:",omitempty"`
	Tags                   []Tag  `json:",omitempty"`
	SecretVersionsToStages map[string][]string
	CreatedDate            float64
	LastChangedDate        float64
	LastAccessedDate       *float64 `json:",omitempty"`
	DeletedDate            *float64 `json:",omitempty"`
}

func (c *call) listSecrets() (any, *apiError) {
	var in listSecretsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.authorize("ListSecrets", "", nil); err != nil {
		return nil, err
	}
	if err := checkFilters(in.Filters); err != nil {
		return nil, err
	}
	if in.SortOrder != "" && in.SortOrder != "asc" && in.SortOrder != "desc" {
		return nil, errValidation(in.SortOrder, "sortOrder", "Member must satisfy enum value set: [asc, desc]")
	}
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	var match []*secret
	for _, sec := range c.liveSecretsLocked(in.IncludePlannedDeletion) {
		if matchFilters(sec, in.Filters) {
			match = append(match, sec)
		}
	}
	if in.SortOrder == "desc" {
		slices.Reverse(match)
	}
	start, end, next, err := page(len(match), in.MaxResults, in.NextToken, c.e.opts.PageSize, 100)
	if err != nil {
		return nil, err
	}
	list := []secretListEntry{}
	for _, sec := range match[start:end] {
		list = append(list, secretListEntry{ARN: sec.arn, Name: sec.name, Description: sec.description, KmsKeyId: sec.kmsKeyID,
			Tags: sec.tags, SecretVersionsToStages: sec.versionsToStages(false), CreatedDate: epoch(sec.created),
			LastChangedDate: epoch(sec.changed), LastAccessedDate: lastAccessed(sec), DeletedDate: epochPtr(sec.deleted)})
	}
	return struct {
		SecretList []secretListEntry
		NextToken  string `json:",omitempty"`
	}{list, next}, nil
}

// tokenPrefix marks the emulator's NextToken (an offset): anything else
// is refused as AWS refuses a forged token.
const tokenPrefix = "awsemu-offset:"

// page picks the window [start,end) of total items for MaxResults (def
// when absent, at most max) and NextToken, and the token of the next page
// ("" on the last).
func page(total int, maxResults *int, token string, def, max int) (start, end int, next string, err *apiError) {
	n := def
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > max {
			return 0, 0, "", errValidation(strconv.Itoa(*maxResults), "maxResults", fmt.Sprintf("Member must have value between 1 and %d", max))
		}
		n = *maxResults
	}
	if token != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(token)
		off, cerr := strconv.Atoi(strings.TrimPrefix(string(raw), tokenPrefix))
		if derr != nil || cerr != nil || !strings.HasPrefix(string(raw), tokenPrefix) || off < 0 {
			return 0, 0, "", newError("InvalidNextTokenException", "The NextToken value is invalid.")
		}
		start = min(off, total) // secrets deleted since the last page
	}
	end = min(start+n, total)
	if end < total {
		next = base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + strconv.Itoa(end)))
	}
	return start, end, next, nil
}
