package auditlog

import (
	"encoding/json"
	"strings"
)

// ctIdentity is a CloudTrail record's userIdentity.
type ctIdentity struct {
	Type           flexString      `json:"type"`
	PrincipalID    flexString      `json:"principalId"`
	ARN            flexString      `json:"arn"`
	AccountID      flexString      `json:"accountId"`
	AccessKeyID    flexString      `json:"accessKeyId"`
	UserName       flexString      `json:"userName"`
	InvokedBy      flexString      `json:"invokedBy"`
	SessionContext json.RawMessage `json:"sessionContext"`
}

// ctIssuer is sessionContext.sessionIssuer: the role (or user) a session's
// temporary credentials came from.
type ctIssuer struct {
	Type        flexString `json:"type"`
	PrincipalID flexString `json:"principalId"`
	ARN         flexString `json:"arn"`
}

// awsCaller reads userIdentity into a Caller so that Caller.Key groups one
// principal's calls, whichever session or key they came through:
//
//   - ObjectID: the principal's unique id — an IAM user's (AIDA…), the
//     account's for root; for an assumed role the role's (AROA…, from
//     sessionIssuer, else principalId before the ":" that starts the
//     session name), so every session of a role is one caller.
//   - UPN: the ARN, as the record gives it (an assumed role's names the
//     session: arn:aws:sts::{account}:assumed-role/{role}/{session}).
//   - AppID: the ARN of the role (or user) a session was issued by
//     (sessionIssuer.arn), so that an allow rule may name the role.
//   - TenantID: the principal's account (userIdentity.accountId).
//   - Name: the access key the call was signed with (accessKeyId): which
//     credential to revoke; else the service that made the call for the
//     principal (invokedBy).
//
// Allow rules match ObjectID, AppID or UPN, so the user's or role's id, the
// role's ARN or the user's ARN each allow-list a planter.
func awsCaller(raw json.RawMessage) (Caller, error) {
	obj, err := objectField("userIdentity", raw)
	if obj == nil || err != nil {
		return Caller{}, err
	}
	var id ctIdentity
	if err := json.Unmarshal(obj, &id); err != nil {
		return Caller{}, fieldError(err, "userIdentity.")
	}
	var issuer ctIssuer
	if sc, err := objectField("userIdentity.sessionContext", id.SessionContext); err != nil {
		return Caller{}, err
	} else if sc != nil {
		var ctx struct {
			SessionIssuer json.RawMessage `json:"sessionIssuer"`
		}
		if err := json.Unmarshal(sc, &ctx); err != nil {
			return Caller{}, fieldError(err, "userIdentity.sessionContext.")
		}
		si, err := objectField("userIdentity.sessionContext.sessionIssuer", ctx.SessionIssuer)
		if err != nil {
			return Caller{}, err
		}
		if si != nil {
			if err := json.Unmarshal(si, &issuer); err != nil {
				return Caller{}, fieldError(err, "userIdentity.sessionContext.sessionIssuer.")
			}
		}
	}
	c := Caller{
		ObjectID: strings.TrimSpace(string(id.PrincipalID)),
		UPN:      strings.TrimSpace(string(id.ARN)),
		AppID:    strings.TrimSpace(string(issuer.ARN)),
		TenantID: strings.TrimSpace(string(id.AccountID)),
		Name:     first(string(id.AccessKeyID), string(id.InvokedBy)),
	}
	if strings.EqualFold(strings.TrimSpace(string(id.Type)), "AssumedRole") || issuer.PrincipalID != "" {
		role := strings.TrimSpace(string(issuer.PrincipalID))
		if role == "" {
			role, _, _ = strings.Cut(c.ObjectID, ":")
		}
		c.ObjectID = role
	}
	return c, nil
}

// awsAccountOf returns userIdentity.accountId, "" when there is none: the
// store's account when a record lacks recipientAccountId.
func awsAccountOf(raw json.RawMessage) string {
	obj, _ := objectField("userIdentity", raw)
	if obj == nil {
		return ""
	}
	var id struct {
		AccountID flexString `json:"accountId"`
	}
	if json.Unmarshal(obj, &id) != nil {
		return ""
	}
	return strings.TrimSpace(string(id.AccountID))
}
