package awsemu

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Every bad request gets its error and leaves the secret exactly as it
// was: value, versions, labels, description and tags.
func TestBadInputChangesNothing(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("keep"), SecretString: aws.String("original"),
		Description: aws.String("d"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		d, err := c.DescribeSecret(ctxT(t), &sm.DescribeSecretInput{SecretId: aws.String("keep")})
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("keep")})
		if err != nil {
			t.Fatal(err)
		}
		return jsonOf([]any{*v.SecretString, *v.VersionId, d.VersionIdsToStages, *d.Description, d.Tags, d.DeletedDate})
	}
	before := state()
	long := strings.Repeat("x", 65537)
	tooManyTags := make([]types.Tag, 50)
	for i := range tooManyTags {
		tooManyTags[i] = types.Tag{Key: aws.String(strings.Repeat("t", i+1)), Value: aws.String("")}
	}
	id := aws.String("keep")
	tests := []struct {
		name, want string
		call       func(context.Context) error
	}{
		{"value too long", "ValidationException", func(ctx context.Context) error {
			_, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id, SecretString: aws.String(long)})
			return err
		}},
		{"no value", "InvalidParameterException", func(ctx context.Context) error {
			_, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id})
			return err
		}},
		{"empty stage", "ValidationException", func(ctx context.Context) error {
			_, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id, SecretString: aws.String("x"), VersionStages: []string{""}})
			return err
		}},
		{"short token", "ValidationException", func(ctx context.Context) error {
			_, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id, SecretString: aws.String("x"), ClientRequestToken: aws.String("short")})
			return err
		}},
		{"both values", "InvalidParameterException", func(ctx context.Context) error {
			_, err := c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: id, SecretString: aws.String("x"), SecretBinary: []byte("y"), Description: aws.String("changed")})
			return err
		}},
		{"description too long", "ValidationException", func(ctx context.Context) error {
			_, err := c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: id, Description: aws.String(strings.Repeat("d", 2049)), SecretString: aws.String("x")})
			return err
		}},
		{"51 tags", "ValidationException", func(ctx context.Context) error {
			_, err := c.TagResource(ctx, &sm.TagResourceInput{SecretId: id, Tags: tooManyTags})
			return err
		}},
		{"bad name", "InvalidParameterException", func(ctx context.Context) error {
			_, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("keep me"), SecretString: aws.String("x")})
			return err
		}},
		{"existing name", "ResourceExistsException", func(ctx context.Context) error {
			_, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: id, SecretString: aws.String("x")})
			return err
		}},
		{"unknown version", "ResourceNotFoundException", func(ctx context.Context) error {
			_, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id, VersionId: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := apiErr(t, tc.call(ctxT(t)))
			if code != tc.want || msg == "" {
				t.Errorf("got %s %q; want %s with a message", code, msg, tc.want)
			}
		})
	}
	if after := state(); after != before {
		t.Errorf("state changed:\n%s\n%s", before, after)
	}
	list, _ := c.ListSecrets(ctxT(t), &sm.ListSecretsInput{})
	if len(list.SecretList) != 1 {
		t.Errorf("%d secrets; want only the one", len(list.SecretList))
	}
}
