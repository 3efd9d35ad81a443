package awsemu

import (
	"encoding/json"
	"fmt"
)

type batchGetInput struct {
	SecretIdList []string
	Filters      []Filter
	MaxResults   *int
	NextToken    string
}

type batchError struct {
	SecretId  string
	ErrorCode string
	Message   string
}

// batchGetSecretValue reads up to 20 secrets. The call itself needs
// secretsmanager:BatchGetSecretValue; each secret needs
// secretsmanager:GetSecretValue, and each one read (or refused) makes its
// own GetSecretValue record, as the API reference says. A secret that
// cannot be read is an entry in Errors, not a failed call.
func (c *call) batchGetSecretValue() (any, *apiError) {
	var in batchGetInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.authorize("BatchGetSecretValue", "", nil); err != nil {
		return nil, err
	}
	if (len(in.SecretIdList) == 0) == (len(in.Filters) == 0) {
		return nil, errInvalidParameter("Either SecretIdList or Filters must be provided, but not both.")
	}
	if len(in.SecretIdList) > 20 {
		return nil, errValidation(fmt.Sprint(len(in.SecretIdList)), "secretIdList", "Member must have length less than or equal to 20")
	}
	if err := checkFilters(in.Filters); err != nil {
		return nil, err
	}
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	ids, next := in.SecretIdList, ""
	if len(in.Filters) > 0 {
		var match []*secret
		for _, sec := range c.liveSecretsLocked(false) {
			if matchFilters(sec, in.Filters) {
				match = append(match, sec)
			}
		}
		start, end, tok, err := page(len(match), in.MaxResults, in.NextToken, 20, 20)
		if err != nil {
			return nil, err
		}
		next = tok
		for _, sec := range match[start:end] {
			ids = append(ids, sec.arn)
		}
	}
	values, errs := []secretValueOutput{}, []batchError{}
	for _, id := range ids {
		v, aerr := c.batchReadLocked(id)
		params, _ := json.Marshal(map[string]string{"secretId": id})
		c.extra = append(c.extra, c.newRecord("GetSecretValue", true, params, nil, aerr))
		if aerr != nil {
			errs = append(errs, batchError{SecretId: id, ErrorCode: aerr.code, Message: aerr.message})
			continue
		}
		values = append(values, *v)
	}
	return struct {
		SecretValues []secretValueOutput
		Errors       []batchError
		NextToken    string `json:",omitempty"`
	}{values, errs, next}, nil
}

func (c *call) batchReadLocked(id string) (*secretValueOutput, *apiError) {
	if id == "" || len(id) > 2048 {
		return nil, errValidation(id, "secretId", "Member must have length between 1 and 2048")
	}
	sec := c.lookupLocked(id)
	if err := c.authorize("GetSecretValue", id, sec); err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, errNotFound()
	}
	if !sec.deleted.IsZero() {
		return nil, errDeleted()
	}
	return c.readValueLocked(sec, "", "")
}
