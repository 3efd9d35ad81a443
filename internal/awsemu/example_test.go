package awsemu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/honeyvault/honeyvault/internal/awsemu"
)

// An account with a user allowed everything and a role session allowed
// nothing: the session's read is refused, and both calls are in the trail.
func Example() {
	ctx := context.Background()
	e, err := awsemu.New(awsemu.Options{AccountID: "111122223333", Regions: []string{"us-east-1"}})
	if err != nil {
		log.Fatal(err)
	}
	if err := e.Start(); err != nil {
		log.Fatal(err)
	}
	defer e.Close(ctx)
	trail := awsemu.NewMemorySink()
	_ = e.AddSink(trail, awsemu.SinkOptions{})
	_ = e.PutUser("planter", awsemu.AllowAll())
	_ = e.PutRole("Intruder", awsemu.Policy{})
	planter, _ := e.NewAccessKey("planter")
	intruder, _ := e.AssumeRole("Intruder", "laptop")

	client := func(c awsemu.Credentials) *sm.Client {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)),
			config.WithCustomCABundle(bytes.NewReader(e.CACertPEM())),
			config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
		if err != nil {
			log.Fatal(err)
		}
		return sm.NewFromConfig(cfg, func(o *sm.Options) { o.BaseEndpoint = aws.String(e.URL()) })
	}
	if _, err := client(planter).CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("prod/payments/stripe"), SecretString: aws.String(`{"key":"decoy"}`)}); err != nil {
		log.Fatal(err)
	}
	_, err = client(intruder).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("prod/payments/stripe")})
	fmt.Println(err != nil)

	if err := e.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	for _, r := range trail.Records() {
		var rec struct {
			EventName    string
			ErrorCode    string
			UserIdentity struct{ Type, ARN string }
		}
		_ = json.Unmarshal(r.JSON, &rec)
		fmt.Println(strings.TrimSpace(rec.EventName + " " + rec.UserIdentity.Type + " " + rec.UserIdentity.ARN + " " + rec.ErrorCode))
	}
	// Output:
	// true
	// CreateSecret IAMUser arn:aws:iam::111122223333:user/planter
	// GetSecretValue AssumedRole arn:aws:sts::111122223333:assumed-role/Intruder/laptop AccessDenied
}
