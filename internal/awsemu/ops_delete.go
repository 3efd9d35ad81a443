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
