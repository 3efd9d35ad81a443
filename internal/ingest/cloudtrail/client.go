package cloudtrail

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/honeyvault/honeyvault/internal/config"
)

// NewClient returns an S3 client for the bucket c names: in c.Region,
// with c's static credentials when it has them, else the SDK's default
// chain (AWS_* environment, shared config and credentials files, web
// identity, ECS or EC2 instance role), which is only asked when a request
// is signed. An EndpointURL (an S3-compatible store) is addressed
// path-style.
func NewClient(ctx context.Context, c config.CloudTrailSource) (*s3.Client, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(c.Region)}
	if c.AccessKeyID != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		// The SDK's message names the file or variable, not a secret.
		return nil, fmt.Errorf("aws configuration: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.EndpointURL != "" {
			o.BaseEndpoint = aws.String(c.EndpointURL)
			o.UsePathStyle = true
		}
	}), nil
}

// FromConfig maps the configuration to a Config.
func FromConfig(c config.CloudTrailSource) Config {
	return Config{Name: c.Name, Bucket: c.Bucket, Prefix: c.Prefix, MaxAge: time.Duration(c.MaxAge)}
}
