package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// Vault configures the HashiCorp Vault / OpenBao clusters honeyvault plants
// into (file only: a list). Each cluster's token comes from a file or an
// environment variable, so that the YAML holds no secret.
type Vault struct {
	Clusters []VaultCluster `yaml:"clusters"`
}

// VaultCluster is one Vault or OpenBao server.
type VaultCluster struct {
	// Name is the operator's name for the cluster: store ids are
	// vault://{name}/{mount}.
	Name    string `yaml:"name"`
	Address string `yaml:"address"` // https://vault.example.com:8200
	// TokenFile and TokenEnv say where the token is; set one.
	TokenFile string `yaml:"token_file"`
	TokenEnv  string `yaml:"token_env"`
	// Token in the file itself is refused unless TokenInFile is true too,
	// and then warned about (Warnings).
	Token       string `yaml:"token"`
	TokenInFile bool   `yaml:"token_in_file"`
	CAFile      string `yaml:"ca_file"`   // PEM CA the server's certificate chains to; "" the system's
	Namespace   string `yaml:"namespace"` // Vault Enterprise / OpenBao namespace; "" the root
}

// AWS configures the AWS account whose Secrets Manager honeyvault plants
// into. Without credentials settings the SDK's default chain applies (the
// standard AWS_* environment variables, shared files, instance roles).
type AWS struct {
	Account string   `yaml:"account"` // 12-digit account id; "" leaves AWS off
	Regions []string `yaml:"regions"`
	// PrincipalARN is the credentials' identity as CloudTrail names it.
	PrincipalARN string `yaml:"principal_arn"`
	// AccessKeyIDEnv and SecretAccessKeyEnv (and SessionTokenEnv) name
	// environment variables holding a static key pair; CredentialsFile is
	// a JSON file in the credential_process shape (AccessKeyId,
	// SecretAccessKey, SessionToken). No profile is read for either.
	AccessKeyIDEnv     string `yaml:"access_key_id_env"`
	SecretAccessKeyEnv string `yaml:"secret_access_key_env"`
	SessionTokenEnv    string `yaml:"session_token_env"`
	CredentialsFile    string `yaml:"credentials_file"`
	Endpoint           string `yaml:"endpoint"` // Secrets Manager endpoint override (tests, VPC endpoints)
	CAFile             string `yaml:"ca_file"`  // PEM of an extra CA to trust

	// The resolved static pair (from the env or the file); never in YAML.
	AccessKeyID     string `yaml:"-"`
	SecretAccessKey string `yaml:"-"`
	SessionToken    string `yaml:"-"`
}

// Enabled reports whether an AWS account is configured.
func (a AWS) Enabled() bool { return a.Account != "" }

var (
	validClusterName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$`)
	validAWSAccount  = regexp.MustCompile(`^[0-9]{12}$`)
	validAWSRegion   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// resolveSecretStores reads tokens and keys from the files and environment
// variables the settings name. Errors name the setting, never the value.
func (c *Config) resolveSecretStores(getenv func(string) string) error {
	for i := range c.Vault.Clusters {
		vc := &c.Vault.Clusters[i]
		p := fmt.Sprintf("vault.clusters[%d]", i)
		set := 0
		for _, v := range []string{vc.Token, vc.TokenFile, vc.TokenEnv} {
			if v != "" {
				set++
			}
		}
		switch {
		case set == 0:
			return &Error{Setting: p + ".token_file", Err: errors.New("required: set token_file or token_env (where the Vault token is)")}
		case set > 1:
			return &Error{Setting: p + ".token_file", Err: errors.New("set one of token_file, token_env and token")}
		case vc.Token != "" && !vc.TokenInFile:
			return &Error{Setting: p + ".token", Err: errors.New("a token in the config file is refused: use token_file or token_env (or also set token_in_file: true to insist)")}
		case vc.TokenEnv != "":
			if vc.Token = strings.TrimSpace(getenv(vc.TokenEnv)); vc.Token == "" {
				return &Error{Setting: p + ".token_env", Err: fmt.Errorf("environment variable %s is not set", vc.TokenEnv)}
			}
		case vc.TokenFile != "":
			b, err := os.ReadFile(vc.TokenFile)
			if err != nil {
				return &Error{Setting: p + ".token_file", Err: err}
			}
			if vc.Token = strings.TrimSpace(string(b)); vc.Token == "" {
				return &Error{Setting: p + ".token_file", Err: fmt.Errorf("%s is empty", vc.TokenFile)}
			}
		}
	}
	return c.AWS.resolve(getenv)
}

func (a *AWS) resolve(getenv func(string) string) error {
	if a.CredentialsFile != "" && (a.AccessKeyIDEnv != "" || a.SecretAccessKeyEnv != "" || a.SessionTokenEnv != "") {
		return &Error{Setting: "aws.credentials_file", Err: errors.New("set credentials_file or the *_env settings, not both")}
	}
	if a.CredentialsFile != "" {
		b, err := os.ReadFile(a.CredentialsFile)
		if err != nil {
			return &Error{Setting: "aws.credentials_file", Err: err}
		}
		var f struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		if err := json.Unmarshal(b, &f); err != nil || f.AccessKeyId == "" || f.SecretAccessKey == "" {
			// The parse error may quote the file: say only what is wanted.
			return &Error{Setting: "aws.credentials_file", Err: fmt.Errorf("%s: want JSON with AccessKeyId and SecretAccessKey (and SessionToken)", a.CredentialsFile)}
		}
		a.AccessKeyID, a.SecretAccessKey, a.SessionToken = f.AccessKeyId, f.SecretAccessKey, f.SessionToken
		return nil
	}
	if (a.AccessKeyIDEnv == "") != (a.SecretAccessKeyEnv == "") {
		return &Error{Setting: "aws.access_key_id_env", Err: errors.New("set access_key_id_env and secret_access_key_env together")}
	}
	for _, e := range []struct {
		setting, env string
		dst          *string
	}{{"aws.access_key_id_env", a.AccessKeyIDEnv, &a.AccessKeyID}, {"aws.secret_access_key_env", a.SecretAccessKeyEnv, &a.SecretAccessKey}, {"aws.session_token_env", a.SessionTokenEnv, &a.SessionToken}} {
		if e.env == "" {
			continue
		}
		if *e.dst = getenv(e.env); *e.dst == "" {
			return &Error{Setting: e.setting, Err: fmt.Errorf("environment variable %s is not set", e.env)}
		}
	}
	return nil
}

func (v Vault) validate() error {
	names := map[string]bool{}
	for i, vc := range v.Clusters {
		p := fmt.Sprintf("vault.clusters[%d]", i)
		if !validClusterName.MatchString(vc.Name) {
			return &Error{Setting: p + ".name", Err: fmt.Errorf("%q: want 1-63 letters, digits, dots and dashes (store ids are vault://NAME/MOUNT)", vc.Name)}
		}
		if names[strings.ToLower(vc.Name)] {
			return &Error{Setting: p + ".name", Err: fmt.Errorf("%q names another cluster already", vc.Name)}
		}
		names[strings.ToLower(vc.Name)] = true
		if u, err := url.Parse(vc.Address); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &Error{Setting: p + ".address", Err: fmt.Errorf("%q: want https://HOST:8200", vc.Address)}
		}
		if vc.CAFile != "" {
			if _, err := os.Stat(vc.CAFile); err != nil {
				return &Error{Setting: p + ".ca_file", Err: err}
			}
		}
	}
	return nil
}

func (a AWS) validate() error {
	if !a.Enabled() {
		if len(a.Regions) > 0 || a.PrincipalARN != "" || a.Endpoint != "" {
			return &Error{Setting: "aws.account", Err: errors.New("required when any other aws setting is set: the 12-digit account id")}
		}
		return nil
	}
	if !validAWSAccount.MatchString(a.Account) {
		return &Error{Setting: "aws.account", Err: fmt.Errorf("%q: want a 12-digit account id", a.Account)}
	}
	if len(a.Regions) == 0 {
		return &Error{Setting: "aws.regions", Err: errors.New("required: the regions to plant into (us-east-1, ...)")}
	}
	for _, r := range a.Regions {
		if !validAWSRegion.MatchString(r) {
			return &Error{Setting: "aws.regions", Err: fmt.Errorf("%q: want a region like us-east-1", r)}
		}
	}
	if !strings.HasPrefix(a.PrincipalARN, "arn:") || !strings.Contains(a.PrincipalARN, ":"+a.Account+":") {
		return &Error{Setting: "aws.principal_arn", Err: fmt.Errorf("%q: want the ARN CloudTrail names the credentials by (arn:aws:iam::%s:user/NAME or arn:aws:sts::%s:assumed-role/ROLE/SESSION)", a.PrincipalARN, a.Account, a.Account)}
	}
	if a.Endpoint != "" {
		if u, err := url.Parse(a.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &Error{Setting: "aws.endpoint", Err: fmt.Errorf("%q: want an https URL", a.Endpoint)}
		}
	}
	if a.CAFile != "" {
		if _, err := os.Stat(a.CAFile); err != nil {
			return &Error{Setting: "aws.ca_file", Err: err}
		}
	}
	return nil
}

// Warnings are settings that work but should change: a Vault token
// written in the config file.
func (c *Config) Warnings() []string {
	var out []string
	for i, vc := range c.Vault.Clusters {
		if vc.TokenInFile && vc.TokenFile == "" && vc.TokenEnv == "" {
			out = append(out, fmt.Sprintf("vault.clusters[%d].token: the Vault token is written in the config file; anyone who reads the file has it (use token_file or token_env)", i))
		}
	}
	return out
}
