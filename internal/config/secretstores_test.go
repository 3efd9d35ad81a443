package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretStoresLoadTokensAndKeysFromFilesAndEnv(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("hvs.from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	credFile := filepath.Join(dir, "aws.json")
	if err := os.WriteFile(credFile, []byte(`{"Version":1,"AccessKeyId":"AKIAFILE","SecretAccessKey":"s3cr3t","SessionToken":"tok"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	file := `
vault:
  clusters:
    - name: prod
      address: https://vault.example.com:8200
      token_file: ` + tokenFile + `
    - name: lab
      address: https://127.0.0.1:8200
      token_env: LAB_TOKEN
      namespace: team-a
aws:
  account: "111122223333"
  regions: [eu-west-1, us-east-1]
  principal_arn: arn:aws:iam::111122223333:user/honeyvault
  credentials_file: ` + credFile + `
`
	c, err := Load(newFlags(t, "--config", writeFile(t, file)), envOf(map[string]string{"LAB_TOKEN": "hvs.from-env", "HONEYVAULT_AWS_REGIONS": "ap-south-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Vault.Clusters[0].Token, "hvs.from-file"; got != want {
		t.Errorf("token_file: got %q; want %q", got, want)
	}
	if got, want := c.Vault.Clusters[1].Token, "hvs.from-env"; got != want {
		t.Errorf("token_env: got %q; want %q", got, want)
	}
	if got, want := c.AWS.AccessKeyID+"/"+c.AWS.SecretAccessKey+"/"+c.AWS.SessionToken, "AKIAFILE/s3cr3t/tok"; got != want {
		t.Errorf("credentials_file: got %q; want %q", got, want)
	}
	if got, want := strings.Join(c.AWS.Regions, ","), "ap-south-1"; got != want {
		t.Errorf("regions: got %q; want %q (env over file)", got, want)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q; want none", w)
	}
}

func TestSecretStoresBadSettingsNameTheSettingAndNoSecret(t *testing.T) {
	vault := func(extra string) string {
		return "vault:\n  clusters:\n    - name: prod\n      address: https://v:8200\n" + extra
	}
	aws := func(extra string) string {
		return "aws:\n  account: \"111122223333\"\n  regions: [eu-west-1]\n  principal_arn: arn:aws:iam::111122223333:user/hv\n" + extra
	}
	tests := []struct {
		name, file    string
		env           map[string]string
		setting, want string
	}{
		{"no token", vault(""), nil, "vault.clusters[0].token_file", "required"},
		{"token in file", vault("      token: hvs.SECRETVALUE\n"), nil, "vault.clusters[0].token", "refused"},
		{"two token sources", vault("      token_env: A\n      token_file: /x\n"), nil, "vault.clusters[0].token_file", "one of"},
		{"env unset", vault("      token_env: NOPE\n"), nil, "vault.clusters[0].token_env", "NOPE is not set"},
		{"token file missing", vault("      token_file: /nonexistent/token\n"), nil, "vault.clusters[0].token_file", "no such file"},
		{"bad name", "vault:\n  clusters:\n    - name: a/b\n      address: https://v\n      token_env: T\n", map[string]string{"T": "hvs.SECRETVALUE"}, "vault.clusters[0].name", "letters"},
		{"bad address", "vault:\n  clusters:\n    - name: p\n      address: vault:8200\n      token_env: T\n", map[string]string{"T": "hvs.SECRETVALUE"}, "vault.clusters[0].address", "https://"},
		{"duplicate name", "vault:\n  clusters:\n    - {name: p, address: https://a, token_env: T}\n    - {name: P, address: https://b, token_env: T}\n", map[string]string{"T": "hvs.SECRETVALUE"}, "vault.clusters[1].name", "another cluster"},
		{"bad account", "aws:\n  account: \"12\"\n  regions: [eu-west-1]\n", nil, "aws.account", "12-digit"},
		{"no account", "aws:\n  regions: [eu-west-1]\n", nil, "aws.account", "required"},
		{"no regions", "aws:\n  account: \"111122223333\"\n  principal_arn: arn:aws:iam::111122223333:user/hv\n", nil, "aws.regions", "required"},
		{"bad region", "aws:\n  account: \"111122223333\"\n  regions: [Europe]\n  principal_arn: arn:aws:iam::111122223333:user/hv\n", nil, "aws.regions", "us-east-1"},
		{"principal of another account", "aws:\n  account: \"111122223333\"\n  regions: [eu-west-1]\n  principal_arn: arn:aws:iam::999999999999:user/hv\n", nil, "aws.principal_arn", "ARN"},
		{"half a pair", aws("  access_key_id_env: K\n"), map[string]string{"K": "AKIA"}, "aws.access_key_id_env", "together"},
		{"pair env unset", aws("  access_key_id_env: K\n  secret_access_key_env: S\n"), map[string]string{"K": "AKIA"}, "aws.secret_access_key_env", "S is not set"},
		{"bad credentials file", aws("  credentials_file: " + writeFile(t, "AccessKeyId=SECRETVALUE") + "\n"), nil, "aws.credentials_file", "want JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(newFlags(t, "--config", writeFile(t, tt.file)), envOf(tt.env))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v; want a config error", err)
			}
			if ce.Setting != tt.setting || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q; want setting %s and %q", err, tt.setting, tt.want)
			}
			if strings.Contains(err.Error(), "SECRETVALUE") {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

func TestSecretStoresTokenInFileOnlyWhenInsistedWithAWarning(t *testing.T) {
	file := "vault:\n  clusters:\n    - name: prod\n      address: https://v:8200\n      token: hvs.SECRETVALUE\n      token_in_file: true\n"
	c, err := Load(newFlags(t, "--config", writeFile(t, file)), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	w := c.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "vault.clusters[0].token") || strings.Contains(w[0], "SECRETVALUE") {
		t.Errorf("warnings %q; want one naming the setting, not the token", w)
	}
}
