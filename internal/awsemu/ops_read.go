package awsemu

import (
	"slices"
	"sort"
	"time"
)

type getSecretValueInput struct {
	SecretId     *string
	VersionId    string
	VersionStage string
}

type secretValueOutput struct {
	ARN           string
	Name          string
	VersionId     string
	SecretString  *string `json:",omitempty"`
	SecretBinary  []byte  `json:",omitempty"`
	VersionStages []string
	CreatedDate   float64
}

func (c *call) getSecretValue() (any, *apiError) {
	var in getSecretValueInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("GetSecretValue", in.SecretId, false, func(sec *secret) (any, *apiError) {
		return c.readValueLocked(sec, in.VersionId, in.VersionStage)
	})
}

// readValueLocked reads a version (by id, by label, or AWSCURRENT) and
// notes the access for LastAccessedDate.
func (c *call) readValueLocked(sec *secret, versionID, stage string) (*secretValueOutput, *apiError) {
	var v *version
	switch {
	case versionID != "":
		v = sec.versions[versionID]
		if v == nil {
			return nil, newError("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: %s", versionID)
		}
		if stage != "" && !slices.Contains(v.stages, stage) {
			return nil, newError("InvalidRequestException", "You provided a VersionStage that is not associated to the provided VersionId.")
		}
	default:
		if stage == "" {
			stage = stageCurrent
		}
		v = sec.versionByStage(stage)
		if v == nil {
			return nil, newError("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: %s", stage)
		}
	}
	sec.accessed = c.now
	return &secretValueOutput{ARN: sec.arn, Name: sec.name, VersionId: v.id, SecretString: v.str, SecretBinary: v.bin,
		VersionStages: slices.Clone(v.stages), CreatedDate: epoch(v.created)}, nil
}

type describeSecretOutput struct {
	ARN                string
	Name               string
	Description        string `json:",omitempty"`
	KmsKeyId           string `json:",omitempty"`
	Tags               []Tag  `json:",omitempty"`
	VersionIdsToStages map[string][]string
	CreatedDate        float64
	LastChangedDate    float64
	LastAccessedDate   *float64 `json:",omitempty"`
	DeletedDate        *float64 `json:",omitempty"`
}

// lastAccessed is the day of the last read: Secrets Manager rounds
// LastAccessedDate down to the date.
func lastAccessed(sec *secret) *float64 {
	if sec.accessed.IsZero() {
		return nil
	}
	return epochPtr(sec.accessed.Truncate(24 * 60 * 60 * 1e9))
}

func (c *call) describeSecret() (any, *apiError) {
	var in struct{ SecretId *string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("DescribeSecret", in.SecretId, true, func(sec *secret) (any, *apiError) {
		return describeSecretOutput{ARN: sec.arn, Name: sec.name, Description: sec.description, KmsKeyId: sec.kmsKeyID,
			Tags: sec.tags, VersionIdsToStages: sec.versionsToStages(false), CreatedDate: epoch(sec.created),
			LastChangedDate: epoch(sec.changed), LastAccessedDate: lastAccessed(sec), DeletedDate: epochPtr(sec.deleted)}, nil
	})
}

type listSecretVersionIDsInput struct {
	SecretId          *string
	MaxResults        *int
	NextToken         string
	IncludeDeprecated bool
}

type versionListEntry struct {
	VersionId     string
	VersionStages []string
	CreatedDate   float64
}

func (c *call) listSecretVersionIDs() (any, *apiError) {
	var in listSecretVersionIDsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("ListSecretVersionIds", in.SecretId, true, func(sec *secret) (any, *apiError) {
		var all []versionListEntry
		for _, id := range sec.order {
			v := sec.versions[id]
			if len(v.stages) > 0 || in.IncludeDeprecated {
				all = append(all, versionListEntry{VersionId: id, VersionStages: slices.Clone(v.stages), CreatedDate: epoch(v.created)})
			}
		}
		start, end, next, err := page(len(all), in.MaxResults, in.NextToken, 100, 100)
		if err != nil {
			return nil, err
		}
		return struct {
			ARN       string
			Name      string
			Versions  []versionListEntry
			NextToken string `json:",omitempty"`
		}{sec.arn, sec.name, all[start:end], next}, nil
	})
}

// liveSecretsLocked lists the region's secrets in creation order,
// secrets scheduled for deletion only when asked.
func (c *call) liveSecretsLocked(withDeleted bool) []*secret {
	c.store.purgeLocked(c.now)
	var out []*secret
	for _, sec := range c.store.byName {
		if sec.deleted.IsZero() || withDeleted {
			out = append(out, sec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// epoch is a time as the JSON protocol sends it: seconds since 1970, with
// milliseconds.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// epochPtr is epoch for optional dates: nil for the zero time.
func epochPtr(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}
