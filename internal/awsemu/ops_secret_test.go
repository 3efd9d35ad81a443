package awsemu

import (
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

var arnRE = regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-[A-Za-z0-9]{6}$`)

// A secret is found by its name, its full ARN and its partial ARN (no
// suffix), and by nothing else: not another case, another region's ARN
// or a wrong suffix.
func TestSecretIDByNameARNAndPartialARN(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	created, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String(`{"password":"hunter2"}`),
		Description: aws.String("orders database"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := *created.ARN
	if !arnRE.MatchString(arn) {
		t.Fatalf("ARN %q; want %s", arn, arnRE)
	}
	partial := arn[:len(arn)-7]
	for _, id := range []string{"prod/db", arn, partial} {
		got, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetSecretValue(%q): %v", id, err)
		}
		if *got.SecretString != `{"password":"hunter2"}` || *got.ARN != arn || *got.Name != "prod/db" || *got.VersionId != *created.VersionId {
			t.Errorf("GetSecretValue(%q) = %q %q %q %q", id, *got.SecretString, *got.ARN, *got.Name, *got.VersionId)
		}
		if !slices.Equal(got.VersionStages, []string{"AWSCURRENT"}) || got.CreatedDate == nil {
			t.Errorf("GetSecretValue(%q): stages %v, created %v", id, got.VersionStages, got.CreatedDate)
		}
	}
	wrong := []string{"Prod/DB", "prod/db ", "prod/d", arn[:len(arn)-1] + "X", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db",
		"arn:aws:secretsmanager:us-east-1:999999999999:secret:prod/db"}
	for _, id := range wrong {
		_, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String(id)})
		if code, msg := apiErr(t, err); code != "ResourceNotFoundException" || msg != "Secrets Manager can't find the specified secret." {
			t.Errorf("GetSecretValue(%q): %s %q; want ResourceNotFoundException", id, code, msg)
		}
	}
	d, err := c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String(partial)})
	if err != nil {
		t.Fatal(err)
	}
	if *d.ARN != arn || *d.Description != "orders database" || len(d.Tags) != 1 || *d.Tags[0].Value != "payments" ||
		!slices.Equal(d.VersionIdsToStages[*created.VersionId], []string{"AWSCURRENT"}) || d.LastAccessedDate == nil || d.DeletedDate != nil {
		t.Errorf("DescribeSecret = %+v", d)
	}
}

// Names differing only in case are two secrets (doc.go gives the source).
func TestNamesAreCaseSensitive(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	for _, n := range []string{"Prod/DB", "prod/db"} {
		if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String("value of " + n)}); err != nil {
			t.Fatalf("CreateSecret(%q): %v", n, err)
		}
	}
	for _, n := range []string{"Prod/DB", "prod/db"} {
		got, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String(n)})
		if err != nil || *got.SecretString != "value of "+n {
			t.Errorf("GetSecretValue(%q) = %v, %v", n, got, err)
		}
	}
}

// PutSecretValue moves AWSCURRENT to the new version and AWSPREVIOUS to
// the old; versions are read by id or label and listed, deprecated ones
// only when asked.
func TestPutSecretValueMovesStagingLabels(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	v1, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("app/key"), SecretString: aws.String("one")})
	if err != nil {
		t.Fatal(err)
	}
	var ids = []string{*v1.VersionId}
	for _, val := range []string{"two", "three"} {
		p, err := c.PutSecretValue(ctxT(t), &sm.PutSecretValueInput{SecretId: aws.String("app/key"), SecretString: aws.String(val)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.VersionStages, []string{"AWSCURRENT"}) || *p.Name != "app/key" {
			t.Errorf("PutSecretValue = %+v", p)
		}
		ids = append(ids, *p.VersionId)
	}
	tests := []struct {
		versionID, stage, want string
	}{
		{"", "", "three"},
		{"", "AWSCURRENT", "three"},
		{"", "AWSPREVIOUS", "two"},
		{ids[0], "", "one"},
		{ids[1], "AWSPREVIOUS", "two"},
	}
	for _, tc := range tests {
		in := &sm.GetSecretValueInput{SecretId: aws.String("app/key")}
		if tc.versionID != "" {
			in.VersionId = aws.String(tc.versionID)
		}
		if tc.stage != "" {
			in.VersionStage = aws.String(tc.stage)
		}
		got, err := c.GetSecretValue(ctxT(t), in)
		if err != nil || *got.SecretString != tc.want {
			t.Errorf("GetSecretValue(%q, %q) = %v, %v; want %q", tc.versionID, tc.stage, got, err, tc.want)
		}
	}
	_, err = c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("app/key"), VersionStage: aws.String("AWSPENDING")})
	if code, msg := apiErr(t, err); code != "ResourceNotFoundException" || msg != "Secrets Manager can't find the specified secret value for staging label: AWSPENDING" {
		t.Errorf("AWSPENDING: %s %q", code, msg)
	}
	list, err := c.ListSecretVersionIds(ctxT(t), &sm.ListSecretVersionIdsInput{SecretId: aws.String("app/key")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Versions) != 2 {
		t.Errorf("ListSecretVersionIds: %d versions; want the two labelled ones", len(list.Versions))
	}
	all, err := c.ListSecretVersionIds(ctxT(t), &sm.ListSecretVersionIdsInput{SecretId: aws.String("app/key"), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Versions) != 3 || *all.Versions[0].VersionId != ids[0] || len(all.Versions[0].VersionStages) != 0 {
		t.Errorf("ListSecretVersionIds(IncludeDeprecated) = %+v", all.Versions)
	}
}

// A retried write with the same ClientRequestToken and value makes no new
// version; the same token with another value is refused and changes
// nothing.
func TestClientRequestTokenIsIdempotent(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	tok := "11111111-2222-3333-4444-555555555555"
	in := &sm.CreateSecretInput{Name: aws.String("svc/token"), SecretString: aws.String("v1"), ClientRequestToken: aws.String(tok)}
	a, err := c.CreateSecret(ctxT(t), in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateSecret(ctxT(t), in)
	if err != nil || *b.VersionId != tok || *b.ARN != *a.ARN {
		t.Fatalf("retried CreateSecret = %v, %v", b, err)
	}
	in.SecretString = aws.String("other")
	_, err = c.CreateSecret(ctxT(t), in)
	if code, msg := apiErr(t, err); code != "ResourceExistsException" || msg != "The operation failed because the secret svc/token already exists." {
		t.Errorf("CreateSecret, same name, other value: %s %q", code, msg)
	}
	tok2 := "22222222-2222-3333-4444-555555555555"
	put := &sm.PutSecretValueInput{SecretId: aws.String("svc/token"), SecretString: aws.String("v2"), ClientRequestToken: aws.String(tok2)}
	for range 2 {
		if _, err := c.PutSecretValue(ctxT(t), put); err != nil {
			t.Fatal(err)
		}
	}
	put.SecretString = aws.String("v3")
	_, err = c.PutSecretValue(ctxT(t), put)
	if code, _ := apiErr(t, err); code != "ResourceExistsException" {
		t.Errorf("PutSecretValue, same token, other value: %s", code)
	}
	all, err := c.ListSecretVersionIds(ctxT(t), &sm.ListSecretVersionIdsInput{SecretId: aws.String("svc/token"), IncludeDeprecated: aws.Bool(true)})
	if err != nil || len(all.Versions) != 2 {
		t.Fatalf("versions = %v, %v; want 2", all, err)
	}
	got, _ := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("svc/token")})
	if *got.SecretString != "v2" {
		t.Errorf("current value %q; want v2", *got.SecretString)
	}
}

// UpdateSecret changes the description and, with a value, makes a new
// current version; binary values round-trip.
func TestUpdateSecretAndBinaryValues(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("bin"), SecretBinary: []byte{0, 1, 2, 255}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("bin")})
	if err != nil || string(got.SecretBinary) != "\x00\x01\x02\xff" || got.SecretString != nil {
		t.Fatalf("binary GetSecretValue = %v, %v", got, err)
	}
	u, err := c.UpdateSecret(ctxT(t), &sm.UpdateSecretInput{SecretId: aws.String("bin"), Description: aws.String("now text")})
	if err != nil || u.VersionId != nil {
		t.Fatalf("UpdateSecret(description) = %+v, %v; want no new version", u, err)
	}
	u, err = c.UpdateSecret(ctxT(t), &sm.UpdateSecretInput{SecretId: aws.String("bin"), SecretString: aws.String("text")})
	if err != nil || u.VersionId == nil {
		t.Fatalf("UpdateSecret(value) = %+v, %v", u, err)
	}
	got, _ = c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("bin")})
	d, _ := c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("bin")})
	if got.SecretString == nil || *got.SecretString != "text" || *d.Description != "now text" {
		t.Errorf("after UpdateSecret: value %v, description %q", got.SecretString, *d.Description)
	}
	_, err = c.UpdateSecret(ctxT(t), &sm.UpdateSecretInput{SecretId: aws.String("bin"), SecretString: aws.String("a"), SecretBinary: []byte("b")})
	if code, _ := apiErr(t, err); code != "InvalidParameterException" {
		t.Errorf("both values: %s; want InvalidParameterException", code)
	}
}

func TestTagAndUntagResource(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("tagged"), SecretString: aws.String("x"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctxT(t), &sm.TagResourceInput{SecretId: aws.String("tagged"), Tags: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("owner"), Value: aws.String("sre")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctxT(t), &sm.UntagResourceInput{SecretId: aws.String("tagged"), TagKeys: []string{"owner", "absent"}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("tagged")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tags) != 1 || *d.Tags[0].Key != "env" || *d.Tags[0].Value != "prod" {
		t.Errorf("tags = %+v; want env=prod only", d.Tags)
	}
	_, err = c.TagResource(ctxT(t), &sm.TagResourceInput{SecretId: aws.String("absent"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	if code, _ := apiErr(t, err); code != "ResourceNotFoundException" {
		t.Errorf("TagResource(absent): %s", code)
	}
}
