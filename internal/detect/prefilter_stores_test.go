package detect

import (
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestPrefilterStoreNames(t *testing.T) {
	ix, err := NewIndex([]registry.Decoy{
		{VaultID: "arn:aws:secretsmanager:us-east-1:111122223333", Name: "prod/db/admin-password", Type: registry.Secret},
		{VaultID: "arn:aws:secretsmanager:us-east-1:111122223333", Name: "AppKey", Type: registry.Secret},
		{VaultID: "vault://prod/secret", Name: "apps/payments/ledger", Type: registry.Secret},
		{VaultID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", Name: "db-pass", Type: registry.Secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := ix.Prefilter()
	tests := []struct {
		record string
		want   bool
	}{
		{`{"requestParameters":{"secretId":"prod/db/admin-password"}}`, true},
		{`{"requestParameters":{"secretId":"PROD/DB/ADMIN-PASSWORD"}}`, true}, // folded: the matcher decides case
		{`{"requestParameters":{"secretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/admin-password-AbC123"}}`, true},
		{`{"requestParameters":{"secretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/admin-password"}}`, true},
		{`{"resources":[{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:AppKey-9zYx8W"}]}`, true},
		{`{"requestParameters":{"secretIdList":["x","AppKey"]}}`, true},
		{`{"request":{"path":"secret/data/apps/payments/ledger"}}`, true},
		{`{"request":{"path":"secret/metadata/apps/payments/ledger"}}`, true},
		{`{"properties":{"requestUri":"https://kv-a.vault.azure.net/secrets/db-pass"}}`, true},
		{`{"requestParameters":{"secretId":"prod/db/admin-password2"}}`, false},
		{`{"requestParameters":{"secretId":"prod/db/admin"}}`, false},
		{`{"requestParameters":{"secretId":"AppKeys"}}`, false},
		{`{"requestParameters":{"secretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:AppKey-v2-9zYx8W"}}`, false},
		{`{"eventName":"ListSecrets","requestParameters":{"maxResults":100}}`, false},
		{`{"requestParameters":{"secretId":"App\u004bey"}}`, true}, // an escape may hide a name: parse it
	}
	for _, tt := range tests {
		if got := p.Match([]byte(tt.record)); got != tt.want {
			t.Errorf("Match(%s) = %v; want %v", tt.record, got, tt.want)
		}
	}
}
