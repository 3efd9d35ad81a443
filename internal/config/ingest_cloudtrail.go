package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// bucketName is an S3 bucket name's form: 3-63 lower-case letters, digits,
// dots and dashes, starting and ending with a letter or digit.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// awsRegionName is a region's form: us-east-1, eu-central-2, us-gov-west-1.
var awsRegionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

func (s CloudTrailSource) validate(p string) error {
	switch {
	case !bucketName.MatchString(s.Bucket):
		return &Error{Setting: p + ".bucket", Err: fmt.Errorf("%q: want the trail's bucket name (3-63 lower-case letters, digits, '.' and '-')", s.Bucket)}
	case strings.Contains(s.Prefix, "//") || strings.HasSuffix(strings.Trim(s.Prefix, "/"), "AWSLogs"):
		return &Error{Setting: p + ".prefix", Err: fmt.Errorf("%q: want the trail's S3 key prefix, without AWSLogs", s.Prefix)}
	case !awsRegionName.MatchString(s.Region):
		return &Error{Setting: p + ".region", Err: fmt.Errorf("%q: want the bucket's region, like us-east-1", s.Region)}
	case s.EndpointURL != "" && !strings.HasPrefix(s.EndpointURL, "https://") && !strings.HasPrefix(s.EndpointURL, "http://"):
		return &Error{Setting: p + ".endpoint_url", Err: fmt.Errorf("%q is not an http(s) URL", s.EndpointURL)}
	case (s.AccessKeyID == "") != (s.SecretAccessKey == ""):
		return &Error{Setting: p + ".access_key_id", Err: errors.New("give access_key_id and secret_access_key together, or neither (the SDK's default credentials)")}
	}
	return nil
}
