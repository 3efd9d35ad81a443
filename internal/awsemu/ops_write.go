package awsemu

// secretValue is the value members shared by CreateSecret, PutSecretValue
// and UpdateSecret.
type secretValue struct {
	SecretString *string
	SecretBinary []byte
}

func (v secretValue) given() bool { return v.SecretString != nil || v.SecretBinary != nil }

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
	if err := firstError(in.check(), checkToken(in.ClientRequestToken), checkTags(in.Tags), checkMeta(in.Description, &in.KmsKeyId)); err != nil {
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
		if err := firstError(in.check(), checkToken(in.ClientRequestToken), checkStages(in.VersionStages)); err != nil {
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
		if err := firstError(in.check(), checkToken(in.ClientRequestToken), checkMeta(in.Description, in.KmsKeyId)); err != nil {
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
