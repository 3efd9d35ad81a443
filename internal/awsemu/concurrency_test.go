package awsemu

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Concurrent callers on one secret and on their own: every write lands
// as a version, and every call, allowed or not, has exactly one record.
func TestConcurrentCallersEachGetARecord(t *testing.T) {
	env := newTestEnv(t, Options{})
	c := env.client(t, env.admin, "us-east-1")
	if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String("shared"), SecretString: aws.String("0")}); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*3)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := fmt.Sprintf("own-%d", w)
			if _, err := c.CreateSecret(ctxT(t), &sm.CreateSecretInput{Name: aws.String(own), SecretString: aws.String("v")}); err != nil {
				errs <- err
			}
			for r := range rounds {
				if _, err := c.PutSecretValue(ctxT(t), &sm.PutSecretValueInput{SecretId: aws.String("shared"), SecretString: aws.String(fmt.Sprint(w, r))}); err != nil {
					errs <- err
				}
				if _, err := c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String(own)}); err != nil {
					errs <- err
				}
				_, _ = c.GetSecretValue(ctxT(t), &sm.GetSecretValueInput{SecretId: aws.String("missing")})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, err := c.ListSecretVersionIds(ctxT(t), &sm.ListSecretVersionIdsInput{SecretId: aws.String("shared"), IncludeDeprecated: aws.Bool(true), MaxResults: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(all.Versions), 1+workers*rounds; got != want {
		t.Errorf("%d versions of the shared secret; want %d", got, want)
	}
	if got, want := len(env.records(t)), 1+workers*(1+3*rounds)+1; got != want {
		t.Errorf("%d records; want %d (one per call)", got, want)
	}
}
