package awsemu

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func TestSmoke(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	out, err := c.CreateSecret(ctxT(t), &secretsmanager.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s", *out.ARN, *out.VersionId)
	g, err := c.GetSecretValue(ctxT(t), &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %v %v", *g.SecretString, g.VersionStages, g.CreatedDate)
	for _, r := range env.records(t) {
		t.Logf("%v", r)
	}
}
