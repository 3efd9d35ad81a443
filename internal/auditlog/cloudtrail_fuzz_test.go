package auditlog

import (
	"reflect"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// providerOf returns the provider of the store an event names, Key Vault
// for none.
func providerOf(ev *Event) registry.Provider {
	if p := registry.ProviderOf(ev.VaultID); p != "" {
		return p
	}
	return registry.AzureKeyVault
}

// FuzzCloudTrail reads arbitrary records through the CloudTrail path
// (seeds: testdata/fuzz/FuzzCloudTrail, real-shaped records and
// EventBridge events): nothing panics, an error yields no event, and every
// event of a Secrets Manager record names a valid store and, if any, a
// valid secret name — from the ARN's part after "secret:" when ObjectURI
// holds the ARN — with storable text and a dedup key of its own.
func FuzzCloudTrail(f *testing.F) {
	f.Add([]byte(`{"eventVersion":"1.09","eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretId":"a/b"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := AppendEvents(nil, b)
		if err != nil {
			if len(events) != 0 {
				t.Fatalf("%d events with error %v", len(events), err)
			}
			return
		}
		keys := map[string]bool{}
		for _, ev := range events {
			if f, v := unstorableField(reflect.ValueOf(ev), "Event"); f != "" {
				t.Fatalf("%s = %q not storable", f, v)
			}
			keys[ev.DedupKey()] = true
			if ev.Shape != ShapeCloudTrail {
				continue
			}
			if ev.Kind != KindAudit {
				t.Fatalf("kind %q", ev.Kind)
			}
			if ev.VaultID != "" {
				s, err := registry.ParseStoreID(ev.VaultID)
				if err != nil || s.Provider != registry.AWSSecretsManager || s.Name != ev.VaultName {
					t.Fatalf("store %q (%q): %v", ev.VaultID, ev.VaultName, err)
				}
			}
			if ev.ObjectName == "" {
				continue
			}
			if ev.VaultID == "" || ev.ObjectType != registry.Secret || !registry.AWSSecretsManager.ValidName(ev.ObjectName) {
				t.Fatalf("object %q %q in %q", ev.ObjectType, ev.ObjectName, ev.VaultID)
			}
			if ev.ObjectURI != "" && (!strings.HasPrefix(ev.ObjectURI, ev.VaultID+":secret:") || !strings.HasSuffix(ev.ObjectURI, ":secret:"+ev.ObjectName)) {
				t.Fatalf("object %q from ARN %q in %q", ev.ObjectName, ev.ObjectURI, ev.VaultID)
			}
		}
		if len(keys) != len(events) {
			t.Fatalf("%d events share %d dedup keys", len(events), len(keys))
		}
	})
}
