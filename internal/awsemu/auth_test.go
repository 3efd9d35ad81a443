package awsemu

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// A role session allowed only prod/* reads is refused elsewhere with
// IAM's message naming its session ARN and the SecretId as sent; an
// explicit deny wins over an allow.
func TestDeniedCallsSayWhoAndWhat(t *testing.T) {
	env := newTestEnv(t, Options{})
	admin := env.client(t, env.admin, "us-east-1")
	for _, n := range []string{"prod/db", "prod/root", "dev/db"} {
		if _, err := admin.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
	}
	policy := Policy{Statements: []Statement{
		{Effect: Allow, Actions: []string{"secretsmanager:Get*", "secretsmanager:DescribeSecret"}, Resources: []string{"arn:aws:secretsmanager:*:123456789012:secret:prod/*"}},
		{Effect: Deny, Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []string{"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/root-??????"}},
	}}
	if err := env.e.PutRole("AppRole", policy); err != nil {
		t.Fatal(err)
	}
	creds, err := env.e.AssumeRole("AppRole", "i-0abc")
	if err != nil {
		t.Fatal(err)
	}
	c := env.client(t, creds, "us-east-1")
	if _, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("prod/db")}); err != nil {
		t.Fatalf("allowed read: %v", err)
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"other secret", func() error {
			_, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("dev/db")})
			return err
		}, "User: arn:aws:sts::123456789012:assumed-role/AppRole/i-0abc is not authorized to perform: secretsmanager:GetSecretValue on resource: dev/db because no identity-based policy allows the secretsmanager:GetSecretValue action"},
		{"explicit deny", func() error {
			_, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("prod/root")})
			return err
		}, "User: arn:aws:sts::123456789012:assumed-role/AppRole/i-0abc is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/root with an explicit deny in an identity-based policy"},
		{"other action", func() error {
			_, err := c.PutSecretValue(ctxT(t), &sm.PutSecretValueInput{SecretId: aws.String("prod/db"), SecretString: aws.String("x")})
			return err
		}, "User: arn:aws:sts::123456789012:assumed-role/AppRole/i-0abc is not authorized to perform: secretsmanager:PutSecretValue on resource: prod/db because no identity-based policy allows the secretsmanager:PutSecretValue action"},
		{"no resource", func() error {
			_, err := c.ListSecrets(ctxT(t), &sm.ListSecretsInput{})
			return err
		}, "User: arn:aws:sts::123456789012:assumed-role/AppRole/i-0abc is not authorized to perform: secretsmanager:ListSecrets because no identity-based policy allows the secretsmanager:ListSecrets action"},
		{"missing secret outside the policy", func() error {
			_, err := c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("nope")})
			return err
		}, "User: arn:aws:sts::123456789012:assumed-role/AppRole/i-0abc is not authorized to perform: secretsmanager:DescribeSecret on resource: nope because no identity-based policy allows the secretsmanager:DescribeSecret action"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := apiErr(t, tc.call())
			if code != "AccessDeniedException" || msg != tc.want {
				t.Errorf("got %s %q\nwant AccessDeniedException %q", code, msg, tc.want)
			}
		})
	}
	// The refused write changed nothing.
	got, err := admin.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("prod/db")})
	if err != nil || *got.SecretString != "v" {
		t.Errorf("after a refused PutSecretValue: %v, %v", got, err)
	}
}

// A wrong secret key, an unknown key id, a missing session token and a
// tampered request are refused with AWS's errors, and change nothing.
func TestBadCredentialsAreRefused(t *testing.T) {
	env := newTestEnv(t, Options{})
	if err := env.e.PutRole("R", AllowAll()); err != nil {
		t.Fatal(err)
	}
	session, err := env.e.AssumeRole("R", "s1")
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret := env.admin
	wrongSecret.SecretAccessKey = strings.Repeat("x", 40)
	unknown := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	noToken := session
	noToken.SessionToken = ""
	tests := []struct {
		name     string
		creds    Credentials
		wantCode string
	}{
		{"wrong secret key", wrongSecret, "InvalidSignatureException"},
		{"unknown key id", unknown, "UnrecognizedClientException"},
		{"session key without its token", noToken, "UnrecognizedClientException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := env.client(t, tc.creds, "us-east-1")
			_, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("x"), SecretString: aws.String("v")})
			if code, _ := apiErr(t, err); code != tc.wantCode {
				t.Errorf("got %s; want %s", code, tc.wantCode)
			}
		})
	}
	if _, err := env.client(t, session, "us-east-1").ListSecrets(ctxT(t), &sm.ListSecretsInput{}); err != nil {
		t.Errorf("session with its token: %v", err)
	}
	list, err := env.client(t, env.admin, "us-east-1").ListSecrets(ctxT(t), &sm.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 0 {
		t.Errorf("refused calls made secrets: %v, %v", list, err)
	}
}

// A body changed after signing no longer matches its signature, and an
// unsigned request is refused.
func TestTamperedAndUnsignedRequests(t *testing.T) {
	env := newTestEnv(t, Options{})
	var signed *http.Request
	var signedBody []byte
	c := env.client(t, env.admin, "us-east-1")
	_, _ = c.ListSecrets(ctxT(t), &sm.ListSecretsInput{}, func(o *sm.Options) {
		o.HTTPClient = captureClient{env.e.HTTPClient(), func(r *http.Request, b []byte) { signed, signedBody = r, b }}
	})
	if signed == nil {
		t.Fatal("no request captured")
	}
	send := func(body []byte, header http.Header) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, env.e.URL()+"/", bytes.NewReader(body))
		req.Header = header.Clone()
		resp, err := env.e.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType")
	}
	if status, code := send(signedBody, signed.Header); status != 200 {
		t.Fatalf("replaying the signed request as is: %d %s", status, code)
	}
	if _, code := send(append(bytes.TrimSuffix(signedBody, []byte("}")), []byte(`,"MaxResults":1}`)...), signed.Header); code != "InvalidSignatureException" {
		t.Errorf("tampered body: %q; want InvalidSignatureException", code)
	}
	h := signed.Header.Clone()
	h.Del("Authorization")
	if _, code := send(signedBody, h); code != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %q", code)
	}
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
	if _, code := send(signedBody, h); code != "IncompleteSignatureException" {
		t.Errorf("malformed Authorization: %q", code)
	}
}

// captureClient records each request and its body, then sends it.
type captureClient struct {
	c  *http.Client
	on func(*http.Request, []byte)
}

func (cc captureClient) Do(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		body = buf.Bytes()
		r.Body.Close()
		r.Body = readCloser{bytes.NewReader(body)}
	}
	cc.on(r, body)
	return cc.c.Do(r)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func TestPolicyDecisions(t *testing.T) {
	const prod = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"
	p := Policy{Statements: []Statement{
		{Effect: Allow, Actions: []string{"secretsmanager:Get*", "secretsmanager:ListSecrets"}, Resources: []string{"arn:aws:secretsmanager:*:123456789012:secret:prod/*", "*"}},
		{Effect: Deny, Actions: []string{"SecretsManager:GetSecretValue"}, Resources: []string{"*:secret:prod/db-??????"}},
	}}
	tests := []struct {
		action, resource string
		want             decision
	}{
		{"secretsmanager:GetSecretValue", prod, explicitDeny},
		{"secretsmanager:GetSecretValue", prod + "x", allowed},
		{"secretsmanager:getresourcepolicy", prod, allowed},
		{"secretsmanager:PutSecretValue", prod, implicitDeny},
		{"secretsmanager:ListSecrets", "*", allowed},
		{"s3:GetObject", "*", implicitDeny},
	}
	for _, tc := range tests {
		if got := p.decide(tc.action, tc.resource); got != tc.want {
			t.Errorf("decide(%s, %s) = %d; want %d", tc.action, tc.resource, got, tc.want)
		}
	}
	globs := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"a*b", "a/x/b", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*a*a*a*", "aaa", true}, {"*a*a*a*", "aa", false}, {"abc", "abd", false}, {"", "", true},
	}
	for _, g := range globs {
		if got := globMatch(g.pattern, g.s); got != g.want {
			t.Errorf("globMatch(%q, %q) = %v", g.pattern, g.s, got)
		}
	}
}

func TestBadPrincipalsAndPolicies(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.PutUser("bad name", AllowAll()) == nil || e.PutRole("r", Policy{Statements: []Statement{{Effect: "Maybe", Actions: []string{"*"}, Resources: []string{"*"}}}}) == nil ||
		e.PutRole("r", Policy{Statements: []Statement{{Effect: Allow}}}) == nil {
		t.Error("bad names or policies accepted")
	}
	if _, err := e.NewAccessKey("nobody"); err == nil {
		t.Error("a key for a user that does not exist")
	}
	if _, err := e.AssumeRole("r", "s"); err == nil {
		t.Error("assumed a role that was refused")
	}
	for _, o := range []Options{{AccountID: "12345"}, {Regions: []string{"moon"}}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}
