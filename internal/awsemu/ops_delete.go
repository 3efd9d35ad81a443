package awsemu

import (
	"strconv"
	"time"
)

type deleteSecretInput struct {
	SecretId                   *string
	RecoveryWindowInDays       *int64
	ForceDeleteWithoutRecovery bool
}

func (c *call) deleteSecret() (any, *apiError) {
	var in deleteSecretInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("DeleteSecret", in.SecretId, true, func(sec *secret) (any, *apiError) {
		if in.ForceDeleteWithoutRecovery && in.RecoveryWindowInDays != nil {
			return nil, errInvalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
		}
		days := int64(30)
		if in.RecoveryWindowInDays != nil {
			days = *in.RecoveryWindowInDays
			if days < 7 || days > 30 {
				return nil, errInvalidParameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
			}
		}
		if !sec.deleted.IsZero() && !in.ForceDeleteWithoutRecovery {
			return nil, errDeleted()
		}
		if sec.deleted.IsZero() {
			sec.deleted = c.now
		}
		sec.deletion = c.now.Add(time.Duration(days) * 24 * time.Hour)
		if in.ForceDeleteWithoutRecovery {
			sec.deletion = c.now // gone at once: the next lookup purges it
		}
		c.e.log.Debug("awsemu: secret deleted", "region", c.region, "name", sec.name, "recoveryDays", strconv.FormatInt(days, 10), "force", in.ForceDeleteWithoutRecovery)
		return struct {
			ARN          string
			Name         string
			DeletionDate float64
		}{sec.arn, sec.name, epoch(sec.deletion)}, nil
	})
}

func (c *call) restoreSecret() (any, *apiError) {
	var in struct{ SecretId *string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("RestoreSecret", in.SecretId, true, func(sec *secret) (any, *apiError) {
		sec.deleted, sec.deletion = time.Time{}, time.Time{}
		sec.changed = c.now
		return writeOutput{ARN: sec.arn, Name: sec.name}, nil
	})
}

func (c *call) tagResource() (any, *apiError) {
	var in struct {
		SecretId *string
		Tags     []Tag
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("TagResource", in.SecretId, false, func(sec *secret) (any, *apiError) {
		if in.Tags == nil {
			return nil, errValidation("null", "tags", "Member must not be null")
		}
		tags := mergeTags(sec.tags, in.Tags)
		if err := checkTags(tags); err != nil {
			return nil, err
		}
		sec.tags, sec.changed = tags, c.now
		return nil, nil
	})
}

func (c *call) untagResource() (any, *apiError) {
	var in struct {
		SecretId *string
		TagKeys  []string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("UntagResource", in.SecretId, false, func(sec *secret) (any, *apiError) {
		if in.TagKeys == nil {
			return nil, errValidation("null", "tagKeys", "Member must not be null")
		}
		kept := sec.tags[:0:0]
		for _, t := range sec.tags {
			drop := false
			for _, k := range in.TagKeys {
				drop = drop || t.Key == k
			}
			if !drop {
				kept = append(kept, t)
			}
		}
		sec.tags, sec.changed = kept, c.now
		return nil, nil
	})
}
