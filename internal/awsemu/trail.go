package awsemu

import (
	"encoding/json"
	"net"
	"strings"
	"time"
)

// Record is one CloudTrail record on its way to the sinks.
type Record struct {
	Region    string    // awsRegion, which picks the log file
	Time      time.Time // eventTime
	EventName string
	ReadOnly  bool
	JSON      []byte // the record as CloudTrail writes it
}

// trailRecord is a CloudTrail record of a Secrets Manager call (eventVersion
// 1.11), in CloudTrail's field order.
type trailRecord struct {
	EventVersion       string          `json:"eventVersion"`
	UserIdentity       *userIdentity   `json:"userIdentity"`
	EventTime          string          `json:"eventTime"`
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AWSRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	UserAgent          string          `json:"userAgent"`
	ErrorCode          string          `json:"errorCode,omitempty"`
	ErrorMessage       string          `json:"errorMessage,omitempty"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	RequestID          string          `json:"requestID"`
	EventID            string          `json:"eventID"`
	ReadOnly           bool            `json:"readOnly"`
	EventType          string          `json:"eventType"`
	ManagementEvent    bool            `json:"managementEvent"`
	RecipientAccountID string          `json:"recipientAccountId"`
	EventCategory      string          `json:"eventCategory"`
	TLSDetails         *tlsDetails     `json:"tlsDetails,omitempty"`
}

// userIdentity is CloudTrail's caller: an IAM user, an assumed role's
// session, or (when the key was not recognised) Unknown.
type userIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *sessionContext `json:"sessionContext,omitempty"`
}

type sessionContext struct {
	SessionIssuer sessionIssuer     `json:"sessionIssuer"`
	Attributes    sessionAttributes `json:"attributes"`
}

type sessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

type sessionAttributes struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// trailTime is CloudTrail's time format, "2024-07-31T12:36:52Z".
const trailTime = "2006-01-02T15:04:05Z"

// identity spells the caller for the record.
func (c *call) identity() *userIdentity {
	k := c.key
	if k == nil {
		return &userIdentity{Type: "Unknown", AccessKeyID: c.keyID}
	}
	acct := c.e.opts.AccountID
	if k.user != nil {
		return &userIdentity{Type: "IAMUser", PrincipalID: k.user.principalID, ARN: c.e.userARN(k.user),
			AccountID: acct, AccessKeyID: k.id, UserName: k.user.name}
	}
	return &userIdentity{
		Type: "AssumedRole", PrincipalID: k.role.principalID + ":" + k.session, ARN: c.e.sessionARN(k.role, k.session),
		AccountID: acct, AccessKeyID: k.id,
		SessionContext: &sessionContext{
			SessionIssuer: sessionIssuer{Type: "Role", PrincipalID: k.role.principalID, ARN: c.e.roleARN(k.role), AccountID: acct, UserName: k.role.name},
			Attributes:    sessionAttributes{CreationDate: k.created.Format(trailTime), MFAAuthenticated: "false"},
		},
	}
}

// newRecord is the call's record for eventName with the given request
// parameters (already camelCased and without values) and response.
func (c *call) newRecord(eventName string, readOnly bool, params, response json.RawMessage, aerr *apiError) *trailRecord {
	ip := c.r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	if len(params) == 0 {
		params = json.RawMessage("null")
	}
	if len(response) == 0 || aerr != nil || readOnly {
		response = json.RawMessage("null")
	}
	rec := &trailRecord{
		EventVersion: "1.11", UserIdentity: c.identity(), EventTime: c.now.Format(trailTime),
		EventSource: "secretsmanager.amazonaws.com", EventName: eventName, AWSRegion: c.region,
		SourceIPAddress: ip, UserAgent: c.r.UserAgent(), RequestParameters: params, ResponseElements: response,
		RequestID: c.requestID, EventID: newUUID(), ReadOnly: readOnly, EventType: "AwsApiCall",
		ManagementEvent: true, RecipientAccountID: c.e.opts.AccountID, EventCategory: "Management",
		TLSDetails: newTLSDetails(c.r.TLS, c.r.Host),
	}
	if aerr != nil {
		rec.ErrorCode, rec.ErrorMessage = aerr.code, aerr.message
		if aerr.trailCode != "" {
			rec.ErrorCode = aerr.trailCode
		}
	}
	return rec
}

// record emits the call's record (and its extra ones). A call whose
// region is unknown (no parsable credential scope, or a region not
// emulated) has no trail to go to, as in AWS, where it would never have
// reached a regional endpoint's trail.
func (c *call) record(spec operation, resp any, aerr *apiError) {
	if c.region == "" {
		return
	}
	var response json.RawMessage
	if resp != nil && !spec.readOnly {
		b, _ := json.Marshal(resp)
		response = camelJSON(b, c.e.opts.LegacyARNSpelling)
	}
	recs := append([]*trailRecord{c.newRecord(c.op, spec.readOnly, camelJSON(c.body, false), response, aerr)}, c.extra...)
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			c.e.log.Error("awsemu: encode CloudTrail record", "err", err)
			continue
		}
		c.e.delivery.emit(Record{Region: r.AWSRegion, Time: c.now, EventName: r.EventName, ReadOnly: r.ReadOnly, JSON: b})
	}
}

// secretMembers are request and response members CloudTrail never logs.
var secretMembers = map[string]bool{"SecretString": true, "SecretBinary": true}

// camelJSON rewrites a JSON object's member names the way CloudTrail logs
// parameters (SecretId → secretId, ARN → arn, or aRN when legacyARN) and
// drops secret values. A body that is not a JSON object gives nil (logged
// as null).
func camelJSON(b []byte, legacyARN bool) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || m == nil {
		return nil
	}
	out, err := json.Marshal(camel(m, legacyARN))
	if err != nil {
		return nil
	}
	return out
}

func camel(v any, legacyARN bool) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			if secretMembers[k] {
				continue
			}
			m[camelName(k, legacyARN)] = camel(x, legacyARN)
		}
		return m
	case []any:
		for i := range t {
			t[i] = camel(t[i], legacyARN)
		}
		return t
	}
	return v
}

// camelName lower-cases a member name's first letter (VersionId →
// versionId, KmsKeyId → kmsKeyId, and ARN → aRN as CloudTrail wrote it
// before February 2024); ARN is "arn" otherwise, as records spell it
// since.
func camelName(s string, legacyARN bool) string {
	if s == "ARN" && !legacyARN {
		return "arn"
	}
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
