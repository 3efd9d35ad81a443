package auditlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// CloudTrail records (AWS Secrets Manager) arrive in three wrappings, all
// read by the same Decoder: S3 log files, gzip of {"Records":[...]} (the
// wrapper's key is matched like "records"); one record a line (CloudWatch
// Logs exports, forwarders); and EventBridge events whose detail is the
// record, one a body (API destinations) or several in a JSON array. A
// record is recognised by content (see isCloudTrail), so a stream may mix
// them with Key Vault records.

// SecretsManagerSource is the eventSource of Secrets Manager's records.
const SecretsManagerSource = "secretsmanager.amazonaws.com"

var (
	ctSourceKey     = []byte(`Source"`)
	ebDetailTypeKey = []byte(`"detail-type"`)
)

// isCloudTrail reports whether raw may be a CloudTrail record or an
// EventBridge event carrying one (in its detail): it holds the string
// "eventSource". Inside a JSON string a quote is escaped, so the quoted
// word is a key (or a value spelled exactly so); a record that passes and
// is not CloudTrail after all is read as Key Vault (see appendCloudTrail).
// CloudTrail spells its keys in camelCase; the check is as exact. Every
// Key Vault record pays for it, so it searches for `Source"`, whose 'S' is
// rare in Key Vault records, and checks the rest by hand: a search for the
// whole key, starting at a '"', costs five times as much
// (BenchmarkCloudTrailSniff).
func isCloudTrail(raw []byte) bool {
	for i := 0; ; {
		j := bytes.Index(raw[i:], ctSourceKey)
		if j < 0 {
			return false
		}
		k := i + j
		if k >= 6 && string(raw[k-6:k]) == `"event` {
			return true
		}
		i = k + 1
	}
}

// ctRecord is the part of a CloudTrail record honeyvault reads.
type ctRecord struct {
	EventVersion       flexString      `json:"eventVersion"`
	EventTime          flexString      `json:"eventTime"`
	EventSource        json.RawMessage `json:"eventSource"` // text in CloudTrail; an object in Azure's REST activity events
	EventName          json.RawMessage `json:"eventName"`
	EventType          flexString      `json:"eventType"`
	EventCategory      flexString      `json:"eventCategory"`
	AWSRegion          flexString      `json:"awsRegion"`
	SourceIPAddress    flexString      `json:"sourceIPAddress"`
	UserAgent          flexString      `json:"userAgent"`
	ErrorCode          flexString      `json:"errorCode"`
	ErrorMessage       flexString      `json:"errorMessage"`
	RequestID          flexString      `json:"requestID"`
	EventID            flexString      `json:"eventID"`
	RecipientAccountID flexString      `json:"recipientAccountId"`
	UserIdentity       json.RawMessage `json:"userIdentity"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	Resources          json.RawMessage `json:"resources"`

	source, name string // eventSource and eventName as text
}

// isJSONString reports whether raw is a JSON string.
func isJSONString(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '"'
}

// jsonText is the text of a JSON string, "" for anything else.
func jsonText(raw json.RawMessage) string {
	var s flexString
	if !isJSONString(raw) || s.UnmarshalJSON(raw) != nil {
		return ""
	}
	return string(s)
}

// ebEvent is an EventBridge event: its envelope and the CloudTrail record
// in detail.
type ebEvent struct {
	DetailType flexString      `json:"detail-type"`
	Source     flexString      `json:"source"`
	Account    flexString      `json:"account"`
	Region     flexString      `json:"region"`
	Time       flexString      `json:"time"`
	Detail     json.RawMessage `json:"detail"`
}

// ctParams is the part of requestParameters that names secrets.
type ctParams struct {
	SecretID     flexString      `json:"secretId"`
	SecretIDList json.RawMessage `json:"secretIdList"`
	Name         flexString      `json:"name"`
}

// ctResource is one element of a record's resources.
type ctResource struct {
	ARN flexString `json:"ARN"`
}

// appendCloudTrail reads a CloudTrail record or an EventBridge event into
// its events. ok is false when raw is neither after all (no EventBridge
// envelope, and eventSource is not text — Azure's REST activity events
// spell it as an object): the caller reads it as a Key Vault record.
func appendCloudTrail(dst []Event, raw []byte) (_ []Event, ok bool, err error) {
	var env ebEvent
	if bytes.Contains(raw, ebDetailTypeKey) {
		if err := json.Unmarshal(raw, &env); err != nil {
			return dst, true, fieldError(err, "")
		}
		if env.DetailType != "" || env.Detail != nil {
			detail, err := objectField("detail", env.Detail)
			if err != nil {
				return dst, true, err
			}
			if detail == nil {
				return dst, true, fmt.Errorf("EventBridge event (detail-type %q) without a detail object", clip(string(env.DetailType)))
			}
			raw = detail
		}
	}
	var r ctRecord
	err = json.Unmarshal(raw, &r)
	source, name, isCT := jsonText(r.EventSource), jsonText(r.EventName), isJSONString(r.EventSource)
	switch {
	case !isCT && env.DetailType != "":
		return dst, true, fmt.Errorf("EventBridge event (detail-type %q) whose detail is no CloudTrail record (no eventSource)", clip(string(env.DetailType)))
	case !isCT:
		return dst, false, nil // not CloudTrail after all
	case err != nil:
		return dst, true, fieldError(err, "")
	case len(bytes.TrimSpace(r.EventName)) > 0 && string(bytes.TrimSpace(r.EventName)) != "null" && !isJSONString(r.EventName):
		return dst, true, errors.New("eventName: want text")
	}
	r.source, r.name = source, name
	// An EventBridge envelope says where and when, should the record not.
	setIfEmptyFlex(&r.AWSRegion, env.Region)
	setIfEmptyFlex(&r.RecipientAccountID, env.Account)
	setIfEmptyFlex(&r.EventTime, env.Time)
	dst, err = r.appendEvents(dst)
	return dst, true, err
}

func setIfEmptyFlex(f *flexString, v flexString) {
	if strings.TrimSpace(string(*f)) == "" {
		*f = v
	}
}

// appendEvents appends one event per secret the record names (none named:
// one event naming no object).
func (r *ctRecord) appendEvents(dst []Event) ([]Event, error) {
	if err := checkEventVersion(string(r.EventVersion)); err != nil {
		return dst, err
	}
	ev := Event{Kind: KindAudit, Shape: ShapeCloudTrail, Category: strings.TrimSpace(string(r.EventCategory))}
	var err error
	if ev.Time, err = parseTime(string(r.EventTime)); err != nil {
		return dst, fmt.Errorf("eventTime: %w", err)
	}
	if ev.Operation = strings.TrimSpace(r.name); ev.Operation == "" {
		return dst, errors.New("CloudTrail record without an eventName")
	}
	source := strings.TrimSpace(r.source)
	if source == "" {
		return dst, errors.New("CloudTrail record without an eventSource")
	}
	ev.ResultType = "Success"
	if code := strings.TrimSpace(string(r.ErrorCode)); code != "" {
		ev.ResultType, ev.ResultSignature, ev.ResultDescription = "Failure", code, string(r.ErrorMessage)
	}
	ev.CorrelationID = first(string(r.RequestID), string(r.EventID))
	// Secrets Manager's own events (rotation, scheduled deletion) are the
	// service acting, not a caller: they carry no identity worth keeping.
	if !strings.EqualFold(strings.TrimSpace(string(r.EventType)), "AwsServiceEvent") {
		if ev.Caller, err = awsCaller(r.UserIdentity); err != nil {
			return dst, err
		}
		ev.Caller.IP = strings.TrimSpace(string(r.SourceIPAddress))
		ev.Caller.ClientInfo = strings.TrimSpace(string(r.UserAgent))
	}
	if !strings.EqualFold(source, SecretsManagerSource) {
		// Another service's record: kept (an S3 log file holds every
		// service's), naming no store and no decoy.
		ev.storable()
		return append(dst, ev), nil
	}
	region, account := strings.TrimSpace(string(r.AWSRegion)), strings.TrimSpace(string(r.RecipientAccountID))
	if account == "" {
		account = awsAccountOf(r.UserIdentity)
	}
	home := ""
	if registry.ValidAWSRegion(region) && registry.ValidAWSAccount(account) {
		home = "arn:" + partitionOf(region) + ":secretsmanager:" + region + ":" + account
	}
	ids, err := r.secretIDs()
	if err != nil {
		return dst, err
	}
	if len(ids) == 0 {
		ev.setStore(home)
		ev.storable()
		return append(dst, ev), nil
	}
	for _, id := range ids {
		e := ev
		e.RequestURI = id
		store, name := home, id
		if s, n, ok := parseSecretARN(id); ok {
			store, name, e.ObjectURI = s, n, id
		}
		if store == "" {
			// The id is left out: it may be a decoy's name, and errors
			// reach logs and dead letters.
			return dst, fmt.Errorf("Secrets Manager record names a secret by name, but its awsRegion %q and recipientAccountId %q do not say which store", clip(region), clip(account))
		}
		e.setStore(store)
		if registry.AWSSecretsManager.ValidName(name) {
			e.ObjectType, e.ObjectName = registry.Secret, name
		}
		e.storable()
		dst = append(dst, e)
	}
	return dst, nil
}

// setStore names the store an event is about (id "" for none).
func (ev *Event) setStore(id string) {
	if id == "" {
		return
	}
	s, err := registry.ParseStoreID(id)
	if err != nil {
		return
	}
	ev.VaultID, ev.VaultName, ev.ResourceID = id, s.Name, id
}

// secretIDs returns the secrets a Secrets Manager record names, each once,
// as the caller sent them: requestParameters.secretId, else
// BatchGetSecretValue's secretIdList, else CreateSecret's name, else the
// secret ARNs among resources. A batch by filters names none.
func (r *ctRecord) secretIDs() ([]string, error) {
	var ids []string
	add := func(s string) {
		if s == "" {
			return
		}
		for _, have := range ids {
			if have == s {
				return
			}
		}
		ids = append(ids, s)
	}
	params, err := objectField("requestParameters", r.RequestParameters)
	if err != nil {
		return nil, err
	}
	if params != nil {
		var p ctParams
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, fieldError(err, "requestParameters.")
		}
		add(string(p.SecretID))
		if len(ids) == 0 && len(bytes.TrimSpace(p.SecretIDList)) > 0 && string(bytes.TrimSpace(p.SecretIDList)) != "null" {
			var list []flexString
			if err := json.Unmarshal(p.SecretIDList, &list); err != nil {
				return nil, fmt.Errorf("requestParameters.secretIdList: want a list of secret ids")
			}
			for _, id := range list {
				add(string(id))
			}
		}
		if len(ids) == 0 {
			add(string(p.Name))
		}
	}
	if len(ids) > 0 {
		return ids, nil
	}
	if rs := bytes.TrimSpace(r.Resources); len(rs) > 0 && string(rs) != "null" {
		var list []ctResource
		if err := json.Unmarshal(rs, &list); err != nil {
			return nil, fmt.Errorf("resources: want a list of {\"ARN\": ...} objects")
		}
		for _, res := range list {
			if _, _, ok := parseSecretARN(string(res.ARN)); ok {
				add(string(res.ARN))
			}
		}
	}
	return ids, nil
}

// parseSecretARN reads a Secrets Manager secret's ARN, full
// (arn:aws:secretsmanager:{region}:{account}:secret:{name}-{6 chars}) or
// partial (without the suffix): the store's id and what follows
// "secret:". ok is false for anything else.
func parseSecretARN(s string) (store, name string, ok bool) {
	p := strings.SplitN(s, ":", 7)
	if len(p) != 7 || p[0] != "arn" || p[2] != "secretsmanager" || p[5] != "secret" || p[6] == "" {
		return "", "", false
	}
	store = strings.Join(p[:5], ":")
	if _, err := registry.ParseStoreID(store); err != nil {
		return "", "", false
	}
	return store, p[6], true
}

// partitionOf returns the partition a region is in.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	}
	return "aws"
}

// checkEventVersion accepts CloudTrail's record format 1.x (any minor
// version: later ones only add fields) and an absent version, and refuses
// another major version, whose layout honeyvault cannot know.
func checkEventVersion(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	major, _, _ := strings.Cut(v, ".")
	if major != "1" {
		return fmt.Errorf("CloudTrail eventVersion %q: want 1.x", clip(v))
	}
	return nil
}

// clip bounds text quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
