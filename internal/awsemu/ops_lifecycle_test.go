package awsemu

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// A deleted secret refuses reads and writes with InvalidRequestException
// but can be described and restored; when its recovery window ends (by
// the emulator's clock) it is gone, and its name free again.
func TestDeleteRestoreAndRecoveryWindow(t *testing.T) {
	clock := testenv.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	env := newTestEnv(t, Options{Now: clock.Now})
	c := env.client(t, env.admin, "us-east-1")
	if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("old/api"), SecretString: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteSecret(ctxT(t), &sm.DeleteSecretInput{SecretId: aws.String("old/api"), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(7 * 24 * time.Hour); !del.DeletionDate.Equal(want) {
		t.Errorf("DeletionDate %v; want %v", del.DeletionDate, want)
	}
	_, err = c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("old/api")})
	if code, msg := apiErr(t, err); code != "InvalidRequestException" || msg != msgMarkedDeleted {
		t.Errorf("GetSecretValue of a deleted secret: %s %q", code, msg)
	}
	_, err = c.PutSecretValue(ctxT(t), &sm.PutSecretValueInput{SecretId: aws.String("old/api"), SecretString: aws.String("new")})
	if code, _ := apiErr(t, err); code != "InvalidRequestException" {
		t.Errorf("PutSecretValue of a deleted secret: %s", code)
	}
	_, err = c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("old/api"), SecretString: aws.String("k")})
	if code, _ := apiErr(t, err); code != "InvalidRequestException" {
		t.Errorf("CreateSecret over a deleted secret: %s", code)
	}
	d, err := c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("old/api")})
	if err != nil || d.DeletedDate == nil || !d.DeletedDate.Equal(clock.Now()) {
		t.Fatalf("DescribeSecret of a deleted secret = %+v, %v", d, err)
	}
	l, _ := c.ListSecrets(ctxT(t), &sm.ListSecretsInput{})
	lp, _ := c.ListSecrets(ctxT(t), &sm.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
	if len(l.SecretList) != 0 || len(lp.SecretList) != 1 {
		t.Errorf("ListSecrets: %d listed, %d with planned deletions; want 0 and 1", len(l.SecretList), len(lp.SecretList))
	}
	if _, err := c.RestoreSecret(ctxT(t), &sm.RestoreSecretInput{SecretId: aws.String("old/api")}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("old/api")}); err != nil || *got.SecretString != "k" {
		t.Fatalf("GetSecretValue after RestoreSecret = %v, %v", got, err)
	}

	if _, err := c.DeleteSecret(ctxT(t), &sm.DeleteSecretInput{SecretId: aws.String("old/api")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30*24*time.Hour - time.Second)
	if _, err := c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("old/api")}); err != nil {
		t.Fatalf("a second before the default 30-day window ends: %v", err)
	}
	clock.Advance(time.Second)
	_, err = c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("old/api")})
	if code, _ := apiErr(t, err); code != "ResourceNotFoundException" {
		t.Errorf("after the window: %s; want ResourceNotFoundException", code)
	}
	again, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("old/api"), SecretString: aws.String("k2")})
	if err != nil {
		t.Fatalf("CreateSecret once the name is free: %v", err)
	}
	if *again.ARN == *del.ARN {
		t.Errorf("the new secret has the deleted one's ARN %s; want a new suffix", *again.ARN)
	}
}

func TestForceDeleteAndBadDeleteParameters(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("gone"), SecretString: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	bad := []*sm.DeleteSecretInput{
		{SecretId: aws.String("gone"), RecoveryWindowInDays: aws.Int64(6)},
		{SecretId: aws.String("gone"), RecoveryWindowInDays: aws.Int64(31)},
		{SecretId: aws.String("gone"), RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true)},
	}
	for _, in := range bad {
		_, err := c.DeleteSecret(ctxT(t), in)
		if code, _ := apiErr(t, err); code != "InvalidParameterException" {
			t.Errorf("DeleteSecret(%d days, force %v): %s", *in.RecoveryWindowInDays, in.ForceDeleteWithoutRecovery != nil, code)
		}
	}
	if _, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("gone")}); err != nil {
		t.Fatalf("refused deletes changed the secret: %v", err)
	}
	if _, err := c.DeleteSecret(ctxT(t), &sm.DeleteSecretInput{SecretId: aws.String("gone"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("gone")})
	if code, _ := apiErr(t, err); code != "ResourceNotFoundException" {
		t.Errorf("after a forced delete: %s", code)
	}
}

// ListSecrets pages with MaxResults and NextToken and filters by name,
// tag key and tag value (case-sensitive prefixes, "!" negates).
func TestListSecretsPagesAndFilters(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	names := []string{"prod/db", "prod/api", "Prod/cache", "dev/db", "shared"}
	for i, n := range names {
		tags := []types.Tag{{Key: aws.String("env"), Value: aws.String(n[:3])}}
		if i%2 == 0 {
			tags = append(tags, types.Tag{Key: aws.String("Owner"), Value: aws.String("sre")})
		}
		if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String("v"), Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	pages := 0
	p := sm.NewListSecretsPaginator(c, &sm.ListSecretsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range out.SecretList {
			got = append(got, *s.Name)
		}
	}
	if pages != 3 || len(got) != 5 {
		t.Fatalf("paged %d times over %v; want 3 pages of all 5", pages, got)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("order %v; want creation order %v", got, names)
		}
	}
	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"name prefix", []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"prod/"}}}, []string{"prod/db", "prod/api"}},
		{"name is case-sensitive", []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"Prod"}}}, []string{"Prod/cache"}},
		{"negated name", []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"!prod"}}}, []string{"Prod/cache", "dev/db", "shared"}},
		{"tag key", []types.Filter{{Key: types.FilterNameStringTypeTagKey, Values: []string{"Owner"}}}, []string{"prod/db", "Prod/cache", "shared"}},
		{"tag key case", []types.Filter{{Key: types.FilterNameStringTypeTagKey, Values: []string{"owner"}}}, nil},
		{"tag value and name", []types.Filter{{Key: types.FilterNameStringTypeTagValue, Values: []string{"dev", "sha"}},
			{Key: types.FilterNameStringTypeName, Values: []string{"shared"}}}, []string{"shared"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.ListSecrets(ctxT(t), &sm.ListSecretsInput{Filters: tc.filters})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range out.SecretList {
				got = append(got, *s.Name)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v; want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v; want %v", got, tc.want)
				}
			}
		})
	}
	_, err := c.ListSecrets(ctxT(t), &sm.ListSecretsInput{NextToken: aws.String("forged")})
	if code, _ := apiErr(t, err); code != "InvalidNextTokenException" {
		t.Errorf("forged NextToken: %s", code)
	}
	_, err = c.ListSecrets(ctxT(t), &sm.ListSecretsInput{Filters: []types.Filter{{Key: "colour", Values: []string{"x"}}}})
	if code, _ := apiErr(t, err); code != "ValidationException" {
		t.Errorf("unknown filter key: %s", code)
	}
}

// BatchGetSecretValue reads what it can and lists the rest in Errors; with
// filters it pages up to 20.
func TestBatchGetSecretValue(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	for _, n := range []string{"a/one", "a/two", "b/three"} {
		if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String("v-" + n)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteSecret(ctxT(t), &sm.DeleteSecretInput{SecretId: aws.String("b/three")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.BatchGetSecretValue(ctxT(t), &sm.BatchGetSecretValueInput{SecretIdList: []string{"a/one", "absent", "b/three", "a/two"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.SecretValues) != 2 || *out.SecretValues[0].SecretString != "v-a/one" || *out.SecretValues[1].Name != "a/two" {
		t.Errorf("SecretValues = %+v", out.SecretValues)
	}
	if len(out.Errors) != 2 || *out.Errors[0].SecretId != "absent" || *out.Errors[0].ErrorCode != "ResourceNotFoundException" ||
		*out.Errors[1].ErrorCode != "InvalidRequestException" {
		t.Errorf("Errors = %+v", out.Errors)
	}
	f, err := c.BatchGetSecretValue(ctxT(t), &sm.BatchGetSecretValueInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"a/"}}}, MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.SecretValues) != 1 || f.NextToken == nil {
		t.Fatalf("filtered page = %+v", f)
	}
	f2, err := c.BatchGetSecretValue(ctxT(t), &sm.BatchGetSecretValueInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"a/"}}}, MaxResults: aws.Int32(1), NextToken: f.NextToken})
	if err != nil || len(f2.SecretValues) != 1 || *f2.SecretValues[0].Name != "a/two" || f2.NextToken != nil {
		t.Fatalf("second filtered page = %+v, %v", f2, err)
	}
	ids := make([]string, 21)
	for i := range ids {
		ids[i] = "a/one"
	}
	for _, in := range []*sm.BatchGetSecretValueInput{{SecretIdList: ids}, {}, {SecretIdList: []string{"a/one"}, Filters: []types.Filter{{Key: "name", Values: []string{"a"}}}}} {
		_, err := c.BatchGetSecretValue(ctxT(t), in)
		if code, _ := apiErr(t, err); code != "ValidationException" && code != "InvalidParameterException" {
			t.Errorf("BatchGetSecretValue(%d ids, %d filters): %s", len(in.SecretIdList), len(in.Filters), code)
		}
	}
}

// Regions are separate: the credential scope's region picks the store.
func TestRegionsAreSeparate(t *testing.T) {
	env := newTestEnv(t, Options{Regions: []string{"us-east-1", "eu-west-1"}})
	us, eu := env.client(t, env.admin, "us-east-1"), env.client(t, env.admin, "eu-west-1")
	cr, err := eu.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("regional"), SecretString: aws.String("eu")})
	if err != nil {
		t.Fatal(err)
	}
	if got := *cr.ARN; got[:len("arn:aws:secretsmanager:eu-west-1:123456789012:secret:regional-")] != "arn:aws:secretsmanager:eu-west-1:123456789012:secret:regional-" {
		t.Errorf("ARN %q not in eu-west-1", got)
	}
	_, err = us.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("regional")})
	if code, _ := apiErr(t, err); code != "ResourceNotFoundException" {
		t.Errorf("us-east-1 sees eu-west-1's secret: %s", code)
	}
	ap := env.client(t, env.admin, "ap-south-1")
	_, err = ap.ListSecrets(ctxT(t), &sm.ListSecretsInput{})
	if code, _ := apiErr(t, err); code != "InvalidSignatureException" {
		t.Errorf("a region not emulated: %s", code)
	}
}
