// Package s3sink delivers awsemu's CloudTrail log files to an S3 bucket
// with aws-sdk-go-v2's PutObject, as a trail does. It is its own package so
// that the emulator links no S3 client.
package s3sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/honeyvault/honeyvault/internal/awsemu"
)

// Options configure the bucket a trail writes to.
type Options struct {
	// Client is an S3 client for the bucket's endpoint (path-style for
	// s3rver: s3.Options.UsePathStyle).
	Client *s3.Client
	// Bucket is the trail's bucket.
	Bucket string
	// Prefix is the trail's key prefix; empty for none.
	Prefix string
	// AccountID is the emulated account (awsemu.Emulator.AccountID).
	AccountID string
	// FileRecords is how many records fill a log file; zero means 100.
	FileRecords int
	// Now dates the files; nil means time.Now.
	Now func() time.Time
}

// New makes a sink that writes CloudTrail log files to the bucket: a file
// when a region's batch fills and what is left on Flush.
func New(opts Options) (*awsemu.LogFileSink, error) {
	if opts.Client == nil || opts.Bucket == "" {
		return nil, errors.New("s3sink: a client and a bucket are required")
	}
	return awsemu.NewLogFileSink(bucket{opts.Client, opts.Bucket}, awsemu.LogFileOptions{
		AccountID: opts.AccountID, Prefix: opts.Prefix, FileRecords: opts.FileRecords, Now: opts.Now,
	})
}

// bucket is an awsemu.ObjectWriter over one S3 bucket.
type bucket struct {
	c    *s3.Client
	name string
}

// PutObject writes the log file as CloudTrail does: gzip content
// encoding is not set, the object is the .json.gz file itself.
func (b bucket) PutObject(ctx context.Context, key string, body []byte) error {
	_, err := b.c.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(b.name),
		Key:         aws.String(key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/x-gzip"),
	})
	if err != nil {
		return fmt.Errorf("s3sink: put %s: %w", key, err)
	}
	return nil
}
