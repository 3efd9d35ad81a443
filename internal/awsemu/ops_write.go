package awsemu

import (
	"fmt"
	"time"
)

// secretValue is the value members shared by CreateSecret, PutSecretValue
// and UpdateSecret.
type secretValue struct {
	SecretString *string
	SecretBinary []byte
}

// check refuses both values at once and values over the API's 65,536
// bytes.
func (v secretValue) check() *apiError {
	if v.SecretString != nil && v.SecretBinary != nil {
		return errInvalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	if v.SecretString != nil && len(*v.SecretString) > 65536 || len(v.SecretBinary) > 65536 {
		return errValidation("***", "secretString", "Member must have length less than or equal to 65536")
	}
	return nil
}

func (v secretValue) given() bool { return v.SecretString != nil || v.SecretBinary != nil }

// checkToken validates a ClientRequestToken (the SDK fills one in when
// the caller gives none).
func checkToken(tok string) *apiError {
	if tok != "" && (len(tok) < 32 || len(tok) > 64) {
		return errValidation(tok, "clientRequestToken", "Member must have length greater than or equal to 32 and less than or equal to 64")
	}
	return nil
}

// writeVersionLocked stores a new value under the token (a fresh id when
// none). A retry with the same token and value returns the version it
// made; the same token with another value is refused, as versions are
// immutable.
func (c *call) writeVersionLocked(sec *secret, tok string, v secretValue, stages []string) (*version, *apiError) {
	if tok == "" {
		tok = newUUID()
	}
	if old := sec.versions[tok]; old != nil {
		if old.sameValue(v.SecretString, v.SecretBinary) {
			return old, nil
		}
		return nil, newError("ResourceExistsException", "You can't modify an existing version, you can only create a new version.")
	}
	ver := &version{id: tok, str: v.SecretString, bin: v.SecretBinary, created: c.now}
	sec.addVersion(ver, stages, c.now)
	return ver, nil
}

type createSecretInput struct {
	Name               *string
	ClientRequestToken string
	Description        *string
	KmsKeyId           string
	Tags               []Tag
	secretValue
}

type writeOutput struct {
	ARN           string
	Name          string
	VersionId     string   `json:",omitempty"`
	VersionStages []string `json:",omitempty"`
}

func (c *call) createSecret() (any, *apiError) {
	var in createSecretInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, errValidation("null", "name", "Member must not be null")
	}
	name := *in.Name
	if err := c.authorize("CreateSecret", name, nil); err != nil {
		return nil, err
	}
	if !secretNameRE.MatchString(name) {
		return nil, errInvalidParameter("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
	}
	if err := firstError(in.check(), checkToken(in.ClientRequestToken), checkTags(in.Tags)); err != nil {
		return nil, err
	}
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	c.store.purgeLocked(c.now)
	if sec := c.store.byName[name]; sec != nil {
		if !sec.deleted.IsZero() {
			return nil, newError("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.")
		}
		if v := sec.versions[in.ClientRequestToken]; v != nil && v.sameValue(in.SecretString, in.SecretBinary) {
			return writeOutput{ARN: sec.arn, Name: sec.name, VersionId: v.id}, nil // a retry
		}
		return nil, newError("ResourceExistsException", "The operation failed because the secret %s already exists.", name)
	}
	c.store.created++
	sec := &secret{name: name, arn: c.arnPrefix() + name + "-" + arnSuffix(), kmsKeyID: in.KmsKeyId, tags: mergeTags(nil, in.Tags),
		versions: map[string]*version{}, seq: c.store.created, created: c.now, changed: c.now}
	if in.Description != nil {
		sec.description = *in.Description
	}
	out := writeOutput{ARN: sec.arn, Name: name}
	if in.given() {
		v, err := c.writeVersionLocked(sec, in.ClientRequestToken, in.secretValue, nil)
		if err != nil {
			return nil, err
		}
		out.VersionId = v.id
	}
	c.store.byName[name], c.store.byARN[sec.arn] = sec, sec
	c.e.log.Debug("awsemu: secret created", "region", c.region, "name", name)
	return out, nil
}

type putSecretValueInput struct {
	SecretId           *string
	ClientRequestToken string
	VersionStages      []string
	secretValue
}

func (c *call) putSecretValue() (any, *apiError) {
	var in putSecretValueInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("PutSecretValue", in.SecretId, false, func(sec *secret) (any, *apiError) {
		if err := firstError(in.check(), checkToken(in.ClientRequestToken)); err != nil {
			return nil, err
		}
		if !in.given() {
			return nil, errInvalidParameter("You must provide either SecretString or SecretBinary.")
		}
		v, err := c.writeVersionLocked(sec, in.ClientRequestToken, in.secretValue, in.VersionStages)
		if err != nil {
			return nil, err
		}
		return writeOutput{ARN: sec.arn, Name: sec.name, VersionId: v.id, VersionStages: v.stages}, nil
	})
}

type updateSecretInput struct {
	SecretId           *string
	ClientRequestToken string
	Description        *string
	KmsKeyId           *string
	secretValue
}

func (c *call) updateSecret() (any, *apiError) {
	var in updateSecretInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return c.onSecret("UpdateSecret", in.SecretId, false, func(sec *secret) (any, *apiError) {
		if err := firstError(in.check(), checkToken(in.ClientRequestToken)); err != nil {
			return nil, err
		}
		out := writeOutput{ARN: sec.arn, Name: sec.name}
		if in.given() {
			v, err := c.writeVersionLocked(sec, in.ClientRequestToken, in.secretValue, nil)
			if err != nil {
				return nil, err
			}
			out.VersionId = v.id
		}
		if in.Description != nil {
			sec.description = *in.Description
		}
		if in.KmsKeyId != nil {
			sec.kmsKeyID = *in.KmsKeyId
		}
		sec.changed = c.now
		return out, nil
	})
}

// onSecret runs f on the secret the caller named, under the region's
// lock, after the checks every single-secret action shares: a SecretId,
// the caller's policy, the secret's existence and, unless the action
// works on deleted secrets too, that it is not scheduled for deletion.
func (c *call) onSecret(action string, id *string, deletedToo bool, f func(*secret) (any, *apiError)) (any, *apiError) {
	if id == nil {
		return nil, errValidation("null", "secretId", "Member must not be null")
	}
	if len(*id) == 0 || len(*id) > 2048 {
		return nil, errValidation(*id, "secretId", "Member must have length between 1 and 2048")
	}
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	sec := c.lookupLocked(*id)
	if err := c.authorize(action, *id, sec); err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, errNotFound()
	}
	if !deletedToo && !sec.deleted.IsZero() {
		return nil, errDeleted()
	}
	return f(sec)
}

func firstError(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
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

func checkTags(tags []Tag) *apiError {
	if len(tags) > 50 {
		return errValidation(fmt.Sprint(len(tags)), "tags", "Member must have length less than or equal to 50")
	}
	for _, t := range tags {
		if len(t.Key) == 0 || len(t.Key) > 128 || len(t.Value) > 256 {
			return errInvalidParameter("A tag key must be 1 to 128 characters and a tag value at most 256.")
		}
	}
	return nil
}

// mergeTags sets each new tag on old, replacing a tag of the same key
// (keys are case-sensitive).
func mergeTags(old, add []Tag) []Tag {
	out := append([]Tag(nil), old...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value, replaced = t.Value, true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}
