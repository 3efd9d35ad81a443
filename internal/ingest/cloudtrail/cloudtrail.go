package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// MaxObjectSize bounds a log file honeyvault downloads (compressed). A
// CloudTrail file holds about five minutes of one region's calls: a few
// MB at most; a larger object under the prefix is no log file of a trail.
const MaxObjectSize = 256 << 20

// Config says which bucket and prefix to read.
type Config struct {
	Name   string // the source's name (Batch.Source, checkpoint key)
	Bucket string
	// Prefix is the trail's S3 key prefix ("" when it has none); the
	// source reads {Prefix}/AWSLogs/.
	Prefix string
	MaxAge time.Duration // skip files last modified longer ago; 0: none skipped
}

// Client is the two S3 calls the source makes; *s3.Client is one.
type Client interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Source polls one bucket's trail logs. It is a source.Poller; it is not
// safe for concurrent polls.
type Source struct {
	cfg    Config
	client Client
	cps    source.Checkpoints
	log    *slog.Logger
	now    func() time.Time
}

// New returns a source reading with client and resuming from the
// checkpoints in cps.
func New(cfg Config, client Client, cps source.Checkpoints, log *slog.Logger) *Source {
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, client: client, cps: cps, log: log, now: time.Now}
}

// object is what the listing says about one log file.
type object struct {
	key, etag string
	size      int64
	modified  time.Time
}

// checkpoint is what was read of a key: the ETag of the object read.
type checkpoint struct {
	ETag string `json:"etag"`
}

func (c checkpoint) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

func parseCheckpoint(v string) (checkpoint, bool) {
	var c checkpoint
	if v == "" || json.Unmarshal([]byte(v), &c) != nil {
		return checkpoint{}, false
	}
	return c, true
}

// Poll reads every log file not read yet.
func (s *Source) Poll(ctx context.Context, sub source.Submitter) (bool, error) {
	objects, err := s.list(ctx)
	if err != nil {
		return false, err
	}
	saved, err := s.cps.Checkpoints(ctx, s.cfg.Name)
	if err != nil {
		return false, err
	}
	keys := make([]string, len(objects))
	for i, o := range objects {
		keys[i] = o.key
	}
	if gone := source.Gone(saved, keys); len(gone) > 0 {
		if err := s.cps.DeleteCheckpoints(ctx, s.cfg.Name, gone); err != nil {
			return false, err
		}
		s.log.Debug("cloudtrail: forgot checkpoints of log files no longer listed", "source", s.cfg.Name, "files", len(gone))
	}
	for _, o := range objects {
		if cp, ok := parseCheckpoint(saved[o.key]); ok && cp.ETag == o.etag {
			continue
		}
		if err := s.read(ctx, sub, o); err != nil {
			return false, fmt.Errorf("cloudtrail %s: s3://%s/%s: %w", s.cfg.Name, s.cfg.Bucket, o.key, err)
		}
	}
	return false, nil
}

// root is where the trail's files are: {prefix}/AWSLogs/.
func (s *Source) root() string {
	if s.cfg.Prefix == "" {
		return "AWSLogs/"
	}
	return s.cfg.Prefix + "/AWSLogs/"
}

// list returns the log files under the root, oldest first.
func (s *Source) list(ctx context.Context) ([]object, error) {
	var out []object
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.cfg.Bucket), Prefix: aws.String(s.root())}
	for {
		page, err := s.client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("cloudtrail %s: listing s3://%s/%s: %w", s.cfg.Name, s.cfg.Bucket, s.root(), err)
		}
		for _, it := range page.Contents {
			o := object{key: aws.ToString(it.Key), etag: aws.ToString(it.ETag), size: aws.ToInt64(it.Size), modified: aws.ToTime(it.LastModified)}
			if !IsLogFile(strings.TrimPrefix(o.key, s.root())) {
				continue
			}
			if s.cfg.MaxAge > 0 && !o.modified.IsZero() && s.now().Sub(o.modified) > s.cfg.MaxAge {
				continue
			}
			out = append(out, o)
		}
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	slices.SortStableFunc(out, func(a, b object) int { return a.modified.Compare(b.modified) })
	return out, nil
}

// IsLogFile reports whether a key under AWSLogs/ is a trail's log file:
// {account}/CloudTrail/{region}/…/*.json.gz, or the same under an
// organisation's {o-id}/. Digest files (CloudTrail-Digest) and Insights
// events (CloudTrail-Insight) are not.
func IsLogFile(rel string) bool {
	parts := strings.Split(rel, "/")
	if strings.HasPrefix(parts[0], "o-") && len(parts) > 1 {
		parts = parts[1:]
	}
	return len(parts) >= 4 && parts[1] == "CloudTrail" && strings.HasSuffix(rel, ".json.gz")
}

// read reads one log file whole and submits its records with its
// checkpoint. A file that does not decode is dead-lettered and marked
// read: it will not get better (S3 objects change only by a new PUT,
// which changes the ETag).
func (s *Source) read(ctx context.Context, sub source.Submitter, o object) error {
	if o.size > MaxObjectSize {
		return s.deadLetter(ctx, sub, o, fmt.Errorf("%d bytes: larger than a CloudTrail log file (%d at most)", o.size, MaxObjectSize))
	}
	body, etag, err := s.get(ctx, o.key)
	if err != nil {
		return err
	}
	if etag != "" {
		o.etag = etag
	}
	cp := store.Checkpoint{Source: s.cfg.Name, Item: o.key, Value: checkpoint{ETag: o.etag}.String()}
	var submitErr error
	err = source.DecodeStream(s.cfg.Name, bytes.NewReader(body), o.key, func(events []auditlog.Event, dead []store.DeadLetter, last bool) error {
		b := store.Batch{Source: s.cfg.Name, Events: events, DeadLetters: dead}
		if last {
			b.Checkpoints = []store.Checkpoint{cp}
		}
		if _, err := sub.Submit(ctx, b); err != nil {
			submitErr = err
			return err
		}
		return nil
	})
	if submitErr != nil || ctx.Err() != nil {
		return cmpErr(submitErr, ctx.Err())
	}
	if err != nil {
		return s.deadLetter(ctx, sub, o, err)
	}
	return nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// deadLetter records why a file could not be read and marks it read.
func (s *Source) deadLetter(ctx context.Context, sub source.Submitter, o object, why error) error {
	s.log.Warn("cloudtrail: unreadable log file dead-lettered", "source", s.cfg.Name, "key", o.key, "err", why)
	_, err := sub.Submit(ctx, store.Batch{Source: s.cfg.Name,
		DeadLetters: []store.DeadLetter{{Source: s.cfg.Name, Position: o.key, Reason: why.Error()}},
		Checkpoints: []store.Checkpoint{{Source: s.cfg.Name, Item: o.key, Value: checkpoint{ETag: o.etag}.String()}},
	})
	return err
}

// get downloads an object whole (log files are small), so that a broken
// connection is told apart from a broken file.
func (s *Source) get(ctx context.Context, key string) ([]byte, string, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, MaxObjectSize+1))
	if err != nil {
		return nil, "", err
	}
	if len(body) > MaxObjectSize {
		return nil, "", errors.New("object grew past the size limit while read")
	}
	return body, aws.ToString(out.ETag), nil
}
