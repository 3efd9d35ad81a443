package detect

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// The Secrets Manager decoys of the held-out cases: two accounts, two
// regions, names with slashes and in PascalCase.
const (
	ctStore      = "arn:aws:secretsmanager:us-east-1:111122223333"
	ctOtherStore = "arn:aws:secretsmanager:eu-west-1:444455556666"
	ctPlanter    = "arn:aws:iam::111122223333:role/honeyvault-planter"
)

var ctDecoys = []registry.Decoy{
	{ID: 1, VaultID: ctStore, Name: "prod/payments/stripe-api-key", Type: registry.Secret},
	{ID: 2, VaultID: ctStore, Name: "prod/db/admin-password", Type: registry.Secret},
	{ID: 3, VaultID: ctOtherStore, Name: "ops/GitHubDeployKey", Type: registry.Secret},
	{ID: 4, VaultID: ctStore, Name: "AppKey", Type: registry.Secret},
	{ID: 5, VaultID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", Name: "AppKey", Type: registry.Secret},
}

// ctRecord is a CloudTrail record of account 111122223333 in us-east-1
// by an IAM user, with fields set, replaced or (nil) deleted.
func ctRecord(name string, fields map[string]any) string {
	rec := map[string]any{
		"eventVersion": "1.09", "eventTime": "2024-07-31T12:36:52Z", "eventSource": "secretsmanager.amazonaws.com",
		"eventName": name, "awsRegion": "us-east-1", "recipientAccountId": "111122223333", "sourceIPAddress": "198.51.100.20",
		"userAgent": "aws-cli/2.17.0", "requestID": "r-" + name, "eventID": "e-" + name, "readOnly": true,
		"eventType": "AwsApiCall", "managementEvent": true, "eventCategory": "Management",
		"userIdentity": map[string]any{"type": "IAMUser", "principalId": "AIDAEXAMPLEUSERID5678",
			"arn": "arn:aws:iam::111122223333:user/jdoe", "accountId": "111122223333", "accessKeyId": "AKIAEXAMPLEKEY000002", "userName": "jdoe"},
		"requestParameters": nil, "responseElements": nil,
	}
	for k, v := range fields {
		if v == nil {
			delete(rec, k)
		} else {
			rec[k] = v
		}
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

func secretID(id string) map[string]any {
	return map[string]any{"requestParameters": map[string]any{"secretId": id}}
}

// ctHit is one alert as the cases state it.
type ctHit struct {
	Decoy      int64
	Class      Class
	Suppressed bool
}

// TestCloudTrailDetection runs raw CloudTrail records through the parser
// and the matcher and checks exactly which decoys alert.
func TestCloudTrailDetection(t *testing.T) {
	ix, err := NewIndex(ctDecoys)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, AllowList{{Identity: ctPlanter}})
	pf := ix.Prefilter()
	arn := func(name string) string { return "arn:aws:secretsmanager:us-east-1:111122223333:secret:" + name }
	planter := map[string]any{"type": "AssumedRole", "principalId": "AROAPLANTERROLE00001:honeyvault",
		"arn": "arn:aws:sts::111122223333:assumed-role/honeyvault-planter/honeyvault", "accountId": "111122223333",
		"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROAPLANTERROLE00001", "arn": ctPlanter}}}
	tests := []struct {
		name   string
		record string
		want   []ctHit
	}{
		{"by name", ctRecord("GetSecretValue", secretID("prod/payments/stripe-api-key")), []ctHit{{1, ClassRead, false}}},
		{"by full ARN", ctRecord("GetSecretValue", secretID(arn("prod/db/admin-password-AbC123"))), []ctHit{{2, ClassRead, false}}},
		{"by partial ARN", ctRecord("GetSecretValue", secretID(arn("prod/db/admin-password"))), []ctHit{{2, ClassRead, false}}},
		{"by full ARN, PascalCase", ctRecord("GetSecretValue", secretID(arn("AppKey-9zYx8W"))), []ctHit{{4, ClassRead, false}}},
		{"other account", ctRecord("GetSecretValue", map[string]any{"recipientAccountId": "999988887777", "requestParameters": map[string]any{"secretId": "prod/payments/stripe-api-key"}}), nil},
		{"other account by ARN", ctRecord("GetSecretValue", secretID("arn:aws:secretsmanager:us-east-1:999988887777:secret:prod/db/admin-password-AbC123")), nil},
		{"other region", ctRecord("GetSecretValue", map[string]any{"awsRegion": "us-west-2", "requestParameters": map[string]any{"secretId": "prod/payments/stripe-api-key"}}), nil},
		{"other region by ARN", ctRecord("GetSecretValue", secretID("arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db/admin-password")), nil},
		{"other partition by ARN", ctRecord("GetSecretValue", secretID("arn:aws-us-gov:secretsmanager:us-east-1:111122223333:secret:prod/db/admin-password")), nil},
		{"prefix", ctRecord("GetSecretValue", secretID("prod/payments/stripe-api")), nil},
		{"suffix", ctRecord("GetSecretValue", secretID("prod/payments/stripe-api-key2")), nil},
		{"suffix that looks like an ARN's, by name", ctRecord("GetSecretValue", secretID("prod/db/admin-password-AbC123")), nil},
		{"look-alike by full ARN", ctRecord("GetSecretValue", secretID(arn("prod/db/admin-password-v2-AbC123"))), nil},
		{"other case", ctRecord("GetSecretValue", secretID("Prod/Payments/Stripe-Api-Key")), nil},
		{"other case, PascalCase", ctRecord("GetSecretValue", secretID("appkey")), nil},
		{"other case by ARN", ctRecord("GetSecretValue", secretID(arn("appkey-9zYx8W"))), nil},
		{"leading slash", ctRecord("GetSecretValue", secretID("/prod/payments/stripe-api-key")), nil},
		{"batch of several ids: one alert per decoy", ctRecord("BatchGetSecretValue", map[string]any{"requestParameters": map[string]any{"secretIdList": []string{
			"prod/payments/stripe-api-key", arn("prod/db/admin-password-AbC123"), "not-a-decoy", "ops/GitHubDeployKey", "prod/payments/stripe-api-key"}}}),
			[]ctHit{{1, ClassRead, false}, {2, ClassRead, false}}},
		{"batch by filters", ctRecord("BatchGetSecretValue", map[string]any{"requestParameters": map[string]any{"filters": []any{map[string]any{"key": "name", "values": []string{"prod/"}}}}}), nil},
		{"DescribeSecret", ctRecord("DescribeSecret", secretID("AppKey")), []ctHit{{4, ClassMetadata, false}}},
		{"PutSecretValue", ctRecord("PutSecretValue", map[string]any{"requestParameters": map[string]any{"secretId": "AppKey", "clientRequestToken": "t"}}), []ctHit{{4, ClassWrite, false}}},
		{"DeleteSecret", ctRecord("DeleteSecret", map[string]any{"requestParameters": map[string]any{"secretId": "AppKey", "recoveryWindowInDays": 7}}), []ctHit{{4, ClassDelete, false}}},
		{"RestoreSecret", ctRecord("RestoreSecret", secretID(arn("AppKey-9zYx8W"))), []ctHit{{4, ClassRecover, false}}},
		{"TagResource", ctRecord("TagResource", secretID("AppKey")), []ctHit{{4, ClassUpdate, false}}},
		{"an operation the table does not know still alerts", ctRecord("GetSecretValueV2", secretID("AppKey")), []ctHit{{4, ClassOther, false}}},
		{"AccessDenied", ctRecord("GetSecretValue", map[string]any{"errorCode": "AccessDenied", "errorMessage": "User: arn:aws:iam::111122223333:user/jdoe is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/db/admin-password",
			"requestParameters": map[string]any{"secretId": "prod/db/admin-password"}}), []ctHit{{2, ClassRead, false}}},
		{"AccessDeniedException", ctRecord("DescribeSecret", map[string]any{"errorCode": "AccessDeniedException", "requestParameters": map[string]any{"secretId": "prod/db/admin-password"}}), []ctHit{{2, ClassMetadata, false}}},
		{"ResourceNotFoundException of a decoy's name", ctRecord("GetSecretValue", map[string]any{"errorCode": "ResourceNotFoundException", "errorMessage": "Secrets Manager can't find the specified secret.", "requestParameters": map[string]any{"secretId": "AppKey"}}), []ctHit{{4, ClassRead, false}}},
		{"AccessDenied naming nothing", ctRecord("GetSecretValue", map[string]any{"errorCode": "AccessDenied"}), nil},
		{"ListSecrets", ctRecord("ListSecrets", map[string]any{"requestParameters": map[string]any{"maxResults": 100}}), nil},
		{"RotationFailed: the service, no caller", ctRecord("RotationFailed", map[string]any{"eventType": "AwsServiceEvent", "userIdentity": map[string]any{"accountId": "111122223333", "invokedBy": "secretsmanager.amazonaws.com"},
			"requestID": nil, "resources": []any{map[string]any{"ARN": arn("AppKey-9zYx8W"), "accountId": "111122223333", "type": "AWS::SecretsManager::Secret"}}}), nil},
		{"another service's record", ctRecord("GetBucketAcl", map[string]any{"eventSource": "s3.amazonaws.com", "requestParameters": map[string]any{"bucketName": "AppKey", "secretId": "AppKey"}}), nil},
		{"KMS on a decoy's behalf", ctRecord("Decrypt", map[string]any{"eventSource": "kms.amazonaws.com", "resources": []any{map[string]any{"ARN": arn("AppKey-9zYx8W")}}}), nil},
		{"the planter's own write, allow-listed by role ARN", ctRecord("PutSecretValue", map[string]any{"userIdentity": planter, "requestParameters": map[string]any{"secretId": "AppKey"}}), []ctHit{{4, ClassWrite, true}}},
		{"the planter's read is allowed too (no operation scope)", ctRecord("GetSecretValue", map[string]any{"userIdentity": planter, "requestParameters": map[string]any{"secretId": "AppKey"}}), []ctHit{{4, ClassRead, true}}},
		{"EventBridge event", `{"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager","account":"444455556666","time":"2025-03-02T09:15:07Z","region":"eu-west-1","resources":[],"detail":` +
			ctRecord("GetSecretValue", map[string]any{"awsRegion": "eu-west-1", "recipientAccountId": "444455556666", "requestParameters": map[string]any{"secretId": "ops/GitHubDeployKey"}}) + `}`, []ctHit{{3, ClassRead, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := auditlog.AppendEvents(nil, []byte(tt.record))
			if err != nil {
				t.Fatal(err)
			}
			var got []ctHit
			for i := range events {
				for _, a := range m.Match(&events[i]) {
					got = append(got, ctHit{a.Decoy.ID, a.Class, a.Suppressed})
					if a.Decoy.VaultID != ctDecoys[a.Decoy.ID-1].VaultID || a.Decoy.Name != ctDecoys[a.Decoy.ID-1].Name {
						t.Errorf("alert names %q in %q", a.Decoy.Name, a.Decoy.VaultID)
					}
				}
			}
			// The retro-hunt parses only what its prefilter passes.
			if len(got) > 0 && !pf.Match([]byte(tt.record)) {
				t.Errorf("the prefilter turns away a record that alerts")
			}
			slices.SortFunc(got, func(a, b ctHit) int { return int(a.Decoy - b.Decoy) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
		})
	}
}

// The calls of one principal group under one caller key, whatever session
// or key they came through; another principal's do not.
func TestCloudTrailCallerKey(t *testing.T) {
	role := func(session, key string) map[string]any {
		return map[string]any{"userIdentity": map[string]any{"type": "AssumedRole", "principalId": "AROAEXAMPLEROLEID1234:" + session,
			"arn": "arn:aws:sts::111122223333:assumed-role/ci-deployer/" + session, "accountId": "111122223333", "accessKeyId": key,
			"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROAEXAMPLEROLEID1234", "arn": "arn:aws:iam::111122223333:role/ci-deployer"}}}}
	}
	key := func(fields map[string]any) string {
		ev, err := auditlog.ParseRecord([]byte(ctRecord("GetSecretValue", fields)))
		if err != nil {
			t.Fatal(err)
		}
		return ev.Caller.Key()
	}
	a, b := key(role("build-1", "ASIAKEY1")), key(role("build-2", "ASIAKEY2"))
	if a != b || a != strings.ToLower("AROAEXAMPLEROLEID1234") {
		t.Errorf("two sessions of one role: keys %q and %q", a, b)
	}
	if u := key(nil); u == a || u != strings.ToLower("AIDAEXAMPLEUSERID5678") {
		t.Errorf("an IAM user's key %q (role's %q)", u, a)
	}
}

// The allow rule secretstore/awssm records when it plants — the
// credentials' ARN as CloudTrail's userIdentity.arn gives it, operation
// CreateSecret — suppresses the planter's create and nothing else.
func TestCloudTrailPlanterAllowRule(t *testing.T) {
	ix, err := NewIndex(ctDecoys)
	if err != nil {
		t.Fatal(err)
	}
	session := "arn:aws:sts::111122223333:assumed-role/honeyvault-planter/honeyvault"
	m := NewMatcher(ix, AllowList{{Identity: session, Operations: []string{"CreateSecret"}}})
	planter := map[string]any{"type": "AssumedRole", "principalId": "AROAPLANTERROLE00001:honeyvault", "arn": session, "accountId": "111122223333",
		"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROAPLANTERROLE00001", "arn": ctPlanter}}}
	tests := []struct {
		name       string
		record     string
		suppressed bool
	}{
		{"the planter's create", ctRecord("CreateSecret", map[string]any{"userIdentity": planter, "requestParameters": map[string]any{"name": "AppKey"}}), true},
		{"the planter's read", ctRecord("GetSecretValue", map[string]any{"userIdentity": planter, "requestParameters": map[string]any{"secretId": "AppKey"}}), false},
		{"another principal's create", ctRecord("CreateSecret", map[string]any{"requestParameters": map[string]any{"name": "AppKey"}}), false},
	}
	for _, tt := range tests {
		events, err := auditlog.AppendEvents(nil, []byte(tt.record))
		if err != nil {
			t.Fatal(err)
		}
		alerts := m.Match(&events[0])
		if len(alerts) != 1 || alerts[0].Decoy.ID != 4 || alerts[0].Suppressed != tt.suppressed {
			t.Errorf("%s: alerts %+v; want one on AppKey, suppressed %v", tt.name, alerts, tt.suppressed)
		}
	}
}
