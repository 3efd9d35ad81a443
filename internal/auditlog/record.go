package auditlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseRecord reads one record — an AuditEvent, an AzureDiagnostics or
// AZKVAuditLogs row, an Activity-log record, a HashiCorp Vault / OpenBao
// audit entry, or a CloudTrail record or EventBridge event — into an
// Event. It returns an error saying what is wrong when raw is not a JSON
// object or not recognisably one of those records. It does not unwrap
// {"records":[...]} documents or arrays: use ParseBody or a Decoder for
// those. Vault entries get DefaultVaultCluster: ParseRecordWith names
// another. A CloudTrail record that names several secrets
// (BatchGetSecretValue) is several events: ParseRecord returns the first,
// AppendEvents all of them.
func ParseRecord(raw []byte) (Event, error) {
	return ParseRecordWith(raw, ParseOptions{})
}

// ParseRecordWith is ParseRecord with options.
func ParseRecordWith(raw []byte, o ParseOptions) (Event, error) {
	var one [1]Event
	events, err := AppendEventsWith(one[:0], raw, o)
	if err != nil {
		return Event{}, err
	}
	return events[0], nil
}

// AppendEvents reads one record (see ParseRecord) and appends its events
// to dst: one for every record but a CloudTrail record naming several
// secrets, which yields one per secret. On error dst is returned as it was.
func AppendEvents(dst []Event, raw []byte) ([]Event, error) {
	return AppendEventsWith(dst, raw, ParseOptions{})
}

// AppendEventsWith is AppendEvents with options.
func AppendEventsWith(dst []Event, raw []byte, o ParseOptions) ([]Event, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return dst, errors.New("not a JSON object")
	}
	if ev, ok := fastAuditEvent(raw); ok { // fastaudit.go
		return append(dst, ev), nil
	}
	return appendEventsGeneral(dst, raw, o)
}

// appendEventsGeneral is AppendEventsWith for a trimmed record starting
// with '{', by the general path: every shape, through encoding/json.
func appendEventsGeneral(dst []Event, raw []byte, o ParseOptions) ([]Event, error) {
	if ev, ok, err := parseVaultEntry(raw, o); ok {
		if err != nil {
			return dst, err
		}
		ev.storable()
		return append(dst, ev), nil
	}
	if isCloudTrail(raw) {
		out, ok, err := appendCloudTrail(dst, raw)
		if err != nil {
			return dst, err
		}
		if ok {
			return out, nil
		}
	}
	ev, err := parseAzure(raw)
	if err != nil {
		// An EventBridge event whose detail is no CloudTrail record: say
		// that rather than what a Key Vault record would lack.
		if bytes.Contains(raw, ebDetailTypeKey) {
			if _, ok, ctErr := appendCloudTrail(dst, raw); ok && ctErr != nil {
				return dst, ctErr
			}
		}
		return dst, err
	}
	return append(dst, ev), nil
}

// parseAzure reads a Key Vault or Activity-log record.
func parseAzure(raw []byte) (Event, error) {
	var w wire
	if err := json.Unmarshal(raw, &w); err != nil {
		return Event{}, fieldError(err, "")
	}
	var ev Event
	var err error
	if w.isSignIn() {
		ev, err = w.signIn(raw) // signin.go
	} else if w.isActivity() {
		ev, err = w.activity()
	} else {
		ev, err = w.audit()
	}
	if err != nil {
		return Event{}, err
	}
	ev.storable()
	return ev, nil
}

// activityCategories are the Activity log's categories.
var activityCategories = map[string]bool{
	"administrative": true, "policy": true, "security": true, "servicehealth": true,
	"alert": true, "recommendation": true, "autoscale": true, "resourcehealth": true,
}

func (w *wire) isActivity() bool {
	op := valueString(w.OperationName)
	return w.OperationNameValue != "" || strings.EqualFold(string(w.Type), "AzureActivity") ||
		isObject(w.OperationName) || strings.Contains(op, "/") ||
		activityCategories[strings.ToLower(valueString(w.Category))]
}

func (w *wire) audit() (Event, error) {
	ev := Event{Kind: KindAudit, Shape: ShapeAuditEvent}
	// Log Analytics puts _ResourceId and TimeGenerated in every table, so
	// the table's own columns decide.
	switch {
	case strings.EqualFold(string(w.Type), "AZKVAuditLogs"):
		ev.Shape = ShapeAZKVAuditLogs
	case strings.EqualFold(string(w.Type), "AzureDiagnostics") || w.RequestURIS != "" || w.IDS != "" || w.ResourceProvid != "":
		ev.Shape = ShapeAzureDiagnostics
	case w.RequestURI != "" || w.ID != "" || w.LowerResource != "":
		ev.Shape = ShapeAZKVAuditLogs
	case w.TimeGenerated != "":
		ev.Shape = ShapeAzureDiagnostics
	}
	var props wireProperties
	rawProps, err := objectField("properties", w.Properties)
	if err != nil {
		return Event{}, err
	}
	if rawProps != nil {
		if err := json.Unmarshal(rawProps, &props); err != nil {
			return Event{}, fieldError(err, "properties.")
		}
	}
	if ev.Time, err = parseTime(first(string(w.Time), string(w.TimeGenerated))); err != nil {
		return Event{}, err
	}
	// The {"value": ...} objects are the REST activity events' spelling
	// (an object operationName is read as one): here only text will do.
	if ev.Operation, err = textField("operationName", w.OperationName); err != nil {
		return Event{}, err
	}
	ev.Operation = strings.TrimSpace(ev.Operation)
	if ev.Category, err = textField("category", w.Category); err != nil {
		return Event{}, err
	}
	ev.ResultType = string(w.ResultType)
	ev.ResultSignature = string(w.ResultSignature)
	ev.ResultDescription = string(w.ResultDesc)
	ev.CorrelationID = strings.TrimSpace(string(w.CorrelationID))
	ev.RequestURI = first(string(props.RequestURI), string(w.RequestURIS), string(w.RequestURI))
	ev.ObjectURI = first(string(props.ID), string(w.IDS), string(w.ID))
	ev.HTTPStatus = int(firstInt(props.HTTPStatusCode, w.HTTPStatusD, w.HTTPStatusCode))
	if ev.Operation == "" && ev.RequestURI == "" && ev.ObjectURI == "" {
		return Event{}, errors.New("no operationName, requestUri or id: not a Key Vault audit record")
	}
	ev.ResourceID = first(string(w.ResourceID), string(w.LowerResource))
	ev.VaultID = VaultIDOf(ev.ResourceID)
	ev.setObject()
	if ev.VaultName == "" {
		if r := strings.ToLower(strings.TrimSpace(string(w.Resource))); validVaultName(r) {
			ev.VaultName = r
		}
	}

	c := &ev.Caller
	c.IP = strings.TrimSpace(string(w.CallerIPAddress))
	c.ClientInfo = first(string(props.ClientInfo), string(w.ClientInfoS), string(w.ClientInfo))
	claims, err := identityClaims(w.Identity)
	if err != nil {
		return Event{}, err
	}
	claims.fill(c)
	setIfEmpty(&c.ObjectID, first(string(w.ClaimOID), string(w.ClaimOIDURI)))
	setIfEmpty(&c.UPN, first(string(w.ClaimUPN), string(w.ClaimUPNURI), string(w.ClaimUnique), string(w.ClaimNameURI)))
	setIfEmpty(&c.AppID, string(w.ClaimAppID))
	setIfEmpty(&c.TenantID, first(string(w.ClaimTID), string(w.ClaimTIDURI)))
	setIfEmpty(&c.IP, string(w.ClaimIPAddr))
	return ev, nil
}

// setObject fills the object fields and VaultName from ObjectURI, else
// RequestURI. Restore requests name no object in their URI (POST
// /secrets/restore), and certificate issuers and contacts live under
// /certificates without being certificates: for those the URI's "name" is
// Key Vault's endpoint, not an object.
func (ev *Event) setObject() {
	id, req := ParseObjectURI(ev.ObjectURI), ParseObjectURI(ev.RequestURI)
	op := strings.ToLower(ev.Operation)
	if strings.HasSuffix(op, "restore") {
		req = ObjectRef{VaultName: req.VaultName}
	}
	if strings.HasPrefix(op, "certificateissuer") || strings.HasPrefix(op, "certificatecontact") {
		id, req = ObjectRef{VaultName: id.VaultName}, ObjectRef{VaultName: req.VaultName}
	}
	ref := req
	if id.Type != "" {
		ref = id
		ref.Deleted = id.Deleted || req.Deleted
		if ref.Action == "" {
			ref.Action = req.Action
		}
	}
	ev.ObjectType, ev.ObjectName, ev.ObjectVersion, ev.Deleted, ev.Action = ref.Type, ref.Name, ref.Version, ref.Deleted, ref.Action
	if ev.VaultID != "" {
		ev.VaultName = strings.ToLower(vaultNameOfID(ev.VaultID))
	} else {
		ev.VaultName = first(id.VaultName, req.VaultName)
	}
}

func (w *wire) activity() (Event, error) {
	ev := Event{Kind: KindActivity, Shape: ShapeActivity}
	if w.OperationNameValue != "" || strings.EqualFold(string(w.Type), "AzureActivity") {
		ev.Shape = ShapeAzureActivity
	}
	var err error
	if ev.Time, err = parseTime(first(string(w.Time), string(w.EventTimestamp), string(w.TimeGenerated))); err != nil {
		return Event{}, err
	}
	op, err := valueText("operationName", w.OperationName)
	if err != nil {
		return Event{}, err
	}
	ev.Operation = first(op, string(w.OperationNameValue))
	if ev.Operation == "" {
		return Event{}, errors.New("no operationName: not an Activity-log record")
	}
	if ev.Category, err = valueText("category", w.Category); err != nil {
		return Event{}, err
	}
	ev.ResultType = string(w.ResultType)
	ev.ResultSignature = string(w.ResultSignature)
	status, err := valueText("status", w.Status)
	if err != nil {
		return Event{}, err
	}
	ev.Status = first(status, string(w.ActivityStatusValue), string(w.ResultType))
	ev.CorrelationID = strings.TrimSpace(string(w.CorrelationID))
	ev.ResourceID = first(string(w.ResourceID), string(w.LowerResource))
	ev.VaultID = VaultIDOf(ev.ResourceID)
	if ev.VaultID != "" {
		ev.VaultName = strings.ToLower(vaultNameOfID(ev.VaultID))
	}

	c := &ev.Caller
	c.Name = strings.TrimSpace(string(w.Caller))
	c.IP = strings.TrimSpace(string(w.CallerIPAddress))
	httpRequest, err := objectField("httpRequest", w.HTTPRequest)
	if err != nil {
		return Event{}, err
	}
	if httpRequest != nil {
		var hr struct {
			ClientIPAddress flexString `json:"clientIpAddress"`
		}
		if err := json.Unmarshal(httpRequest, &hr); err != nil {
			return Event{}, fieldError(err, "httpRequest.")
		}
		setIfEmpty(&c.IP, string(hr.ClientIPAddress))
	}
	claims, err := parseClaims("claims", w.Claims)
	if err != nil {
		return Event{}, err
	}
	claims.fill(c)
	if claims, err = identityClaims(w.Identity); err != nil {
		return Event{}, err
	}
	claims.fill(c)
	if c.UPN == "" && strings.Contains(c.Name, "@") {
		c.UPN = c.Name
	}
	ev.RequestBody = activityBody("requestbody", w.Properties, w.PropertiesD)
	ev.ResponseBody = activityBody("responsebody", w.Properties, w.PropertiesD)
	return ev, nil
}

// VaultIDOf returns the vault part of an ARM resource id — the id itself for
// a vault, the vault's id for one of its sub-resources (a diagnostic
// setting, an access policy) — as spelled in rid, or "" when rid is not
// within a Key Vault.
func VaultIDOf(rid string) string {
	rid = strings.TrimSpace(rid)
	const marker = "/providers/microsoft.keyvault/vaults/"
	i := indexFoldASCII(rid, marker)
	if i < 0 {
		return ""
	}
	end := i + len(marker)
	if j := strings.IndexByte(rid[end:], '/'); j >= 0 {
		end += j
	} else {
		end = len(rid)
	}
	id := rid[:end]
	if vaultNameOfID(id) == "" {
		return ""
	}
	return id
}

// indexFoldASCII is strings.Index(asciiLower(s), lower) without the copy:
// lower is in lower case, and only ASCII letters fold (so a byte's place in
// s is its place in the lower-cased s).
func indexFoldASCII(s, lower string) int {
	for i := 0; i+len(lower) <= len(s); i++ {
		j := 0
		for j < len(lower) {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
			j++
		}
		if j == len(lower) {
			return i
		}
	}
	return -1
}

// asciiLower lower-cases ASCII letters only, keeping every byte's place
// (strings.ToLower may change the length of text that is not valid UTF-8).
func asciiLower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s // nothing to lower: no copy
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// timeLayouts are the spellings of a record's time seen in exports: RFC 3339
// with up to 9 fractional digits, Log Analytics' zone-less variants (UTC),
// and the portal's CSV export ("11/20/2026, 8:00:01.123 AM", in the zone
// its column names, UTC by default; fractional seconds optional).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"1/2/2006, 3:04:05 PM",
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("no time")
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339", s)
}

func first(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func firstInt(vals ...flexInt) flexInt {
	for _, v := range vals {
		if v != 0 {
			return v
		}
	}
	return 0
}
