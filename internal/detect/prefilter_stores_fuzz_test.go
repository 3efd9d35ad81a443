package detect

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// FuzzPrefilterStores checks the never-miss property for the other
// providers' decoys: whatever secret an event of any record names, an
// index holding that secret (or the name a full ARN's suffix hides) as a
// decoy either does not match the event or its prefilter passes the
// record.
func FuzzPrefilterStores(f *testing.F) {
	for _, s := range []string{
		`{"eventVersion":"1.09","eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretId":"prod/db/admin-password"}}`,
		`{"eventVersion":"1.09","eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"BatchGetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretIdList":["a.b@c","arn:aws:secretsmanager:us-east-1:111122223333:secret:App+Key=1-AbC123"]}}`,
		`{"eventVersion":"1.09","eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"DeleteSecret","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{},"resources":[{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:x-Yz12Ab"}]}`,
		`{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","eventTime":"2024-07-31T12:36:52Z","awsRegion":"eu-west-1","recipientAccountId":"444455556666","requestParameters":{"secretId":"ops\/key"}}}`,
		// A bare number or boolean as the secret id (read as its text), a
		// name before whitespace, a CSV export's doubled quotes.
		`{"eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretId":12345}}`,
		`{"eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretIdList":[ true , "a:b" ]}}`,
		`{"eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"DescribeSecret","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{ "secretId" : "prod/x-AbC123" }, "resources":[{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:Z9-Ab12Cd"}]}`,
		// requestParameters sent as JSON text (objectField reads it), a
		// member in capitals after blanks.
		`{"eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":"{\"secretId\":\"prod/x-AbC123\"}"}`,
		`{"eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333", "REQUESTPARAMETERS" :{"secretId":"a"}}`,
		// Vault audit entries: the path's tail after the mount and KV segment.
		`{"type":"request","time":"2026-12-04T01:00:00Z","request":{"operation":"read","path":"kv/data/apps/payments/DB","mount_point":"kv/","mount_type":"kv"}}`,
		`{"type":"response","time":"2026-12-04T01:00:00Z","request":{"operation":"read","path":"kv/metadata/ci/deploy_key.pem","mount_point":"kv/","mount_type":"kv"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := auditlog.AppendEvents(nil, b)
		if err != nil {
			return
		}
		for i := range events {
			ev := &events[i]
			if p := registry.ProviderOf(ev.VaultID); p == registry.AzureKeyVault || p == "" || ev.ObjectName == "" {
				continue
			}
			names := []string{ev.ObjectName}
			if suf := arnSuffix(ev.ObjectName); suf != "" {
				names = append(names, strings.TrimSuffix(ev.ObjectName, suf))
			}
			for _, n := range names {
				ix, err := NewIndex([]registry.Decoy{{ID: 1, VaultID: ev.VaultID, Name: n, Type: registry.Secret}})
				if err != nil {
					continue // not a valid decoy name
				}
				if len(ix.Lookup(ev)) > 0 && !ix.Prefilter().Match(b) {
					t.Fatalf("prefilter for %q missed %s", n, b)
				}
			}
		}
	})
}
