package loganalytics

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	ingestion "github.com/Azure/azure-sdk-for-go/sdk/monitor/ingestion/azlogs"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// MaxUploadBytes is the Logs Ingestion API's limit on one call. A message
// whose rows are larger (it lists at most notify.MaxAlerts alerts, so this
// takes very long field values) goes in several calls.
const MaxUploadBytes = 1 << 20

// Notifier uploads to one rule's stream. It is safe for concurrent use.
type Notifier struct {
	c      Config
	client *ingestion.Client
}

// New validates c and returns its notifier.
func New(c Config) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	co := c.ClientOptions
	// The outbox retries with its own backoff and records each attempt;
	// the SDK retrying inside one attempt would only hide that.
	co.Retry.MaxRetries = -1
	co.Cloud = withIngestion(co.Cloud)
	client, err := ingestion.NewClient(strings.TrimRight(c.Endpoint, "/"), c.Credential, &ingestion.ClientOptions{ClientOptions: co})
	if err != nil {
		return nil, fmt.Errorf("loganalytics: %w", err)
	}
	return &Notifier{c: c, client: client}, nil
}

// withIngestion returns cfg (Azure's public cloud when zero) with a Logs
// Ingestion audience: a cloud configured for other services (the lab's,
// a sovereign one built by hand) may lack it, and the client refuses that.
func withIngestion(cfg cloud.Configuration) cloud.Configuration {
	if reflect.ValueOf(cfg).IsZero() {
		cfg = cloud.AzurePublic
	}
	if _, ok := cfg.Services[ingestion.ServiceNameIngestion]; ok {
		return cfg
	}
	audience := "https://monitor.azure.com/"
	switch cfg.ActiveDirectoryAuthorityHost {
	case cloud.AzureChina.ActiveDirectoryAuthorityHost:
		audience = "https://monitor.azure.cn/"
	case cloud.AzureGovernment.ActiveDirectoryAuthorityHost:
		audience = "https://monitor.azure.us/"
	}
	services := make(map[cloud.ServiceName]cloud.ServiceConfiguration, len(cfg.Services)+1)
	for k, v := range cfg.Services {
		services[k] = v
	}
	services[ingestion.ServiceNameIngestion] = cloud.ServiceConfiguration{Audience: audience}
	cfg.Services = services
	return cfg
}

// Notify uploads m's rows, gzipped as the service prefers. Throttling,
// server errors and network failures may pass; a refused token, a rule or
// stream that does not exist, a missing role and a body the rule cannot
// take will not, and the error says which.
func (n *Notifier) Notify(ctx context.Context, m *notify.Message) (bool, error) {
	chunks, err := chunk(Rows(m), MaxUploadBytes)
	if err != nil {
		return false, err
	}
	for _, body := range chunks {
		gz, err := gzipped(body)
		if err != nil {
			return false, err
		}
		if _, err := n.client.Upload(ctx, n.c.RuleID, n.c.Stream, gz, &ingestion.UploadOptions{ContentEncoding: to.Ptr("gzip")}); err != nil {
			return n.classify(err)
		}
	}
	return false, nil
}

// chunk marshals rows as JSON arrays of at most limit bytes each.
func chunk(rows []Row, limit int) ([][]byte, error) {
	var out [][]byte
	buf := []byte{'['}
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("loganalytics: %w", err)
		}
		if len(b)+2 > limit {
			return nil, fmt.Errorf("loganalytics: the row of alert %s is over %d bytes", r.CorrelationID, limit)
		}
		if len(buf) > 1 && len(buf)+1+len(b)+1 > limit {
			out = append(out, append(buf, ']'))
			buf = []byte{'['}
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
	}
	return append(out, append(buf, ']')), nil
}

func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hints say what to check for the answers that will never succeed.
var hints = map[int]string{
	http.StatusBadRequest:            "the rule does not take these rows: check the stream declaration's columns",
	http.StatusUnauthorized:          "the token was refused: check the identity's tenant",
	http.StatusForbidden:             "the identity needs the Monitoring Metrics Publisher role on the data collection rule (a new assignment takes up to 30 minutes)",
	http.StatusNotFound:              "check endpoint, rule_id and stream: the rule must declare the stream and use this endpoint",
	http.StatusRequestEntityTooLarge: "the upload is over the 1 MB limit",
}

// aadCodeRE finds Entra ID's error code (AADSTS7000215: invalid client
// secret, ...) in a sign-in error, which says what is wrong in one word.
var aadCodeRE = regexp.MustCompile(`AADSTS\d+`)

// classify turns an upload's error into the outbox's retry decision and an
// error that names the status, the service's code and message, and what to
// check.
func (n *Notifier) classify(err error) (bool, error) {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		where := fmt.Sprintf("upload to %s rule %s stream %s", notify.RedactURL(n.c.Endpoint), n.c.RuleID, n.c.Stream)
		e := fmt.Errorf("loganalytics: %s: %d %s: %s", where, re.StatusCode, re.ErrorCode, serviceMessage(re))
		switch {
		case re.StatusCode == http.StatusRequestTimeout, re.StatusCode == http.StatusTooManyRequests, re.StatusCode >= 500:
			return true, e
		case hints[re.StatusCode] != "":
			return false, fmt.Errorf("%w (%s)", e, hints[re.StatusCode])
		}
		return false, e
	}
	var af *azidentity.AuthenticationFailedError
	if errors.As(err, &af) && af.RawResponse != nil {
		// The sign-in service answered: a 4xx is a wrong tenant, client id
		// or secret, which waiting will not fix.
		s := af.RawResponse.StatusCode
		code := cmp.Or(aadCodeRE.FindString(af.Error()), http.StatusText(s))
		return s == http.StatusTooManyRequests || s >= 500, fmt.Errorf("loganalytics: sign-in failed: %d %s: check tenant_id, client_id and the secret or certificate", s, code)
	}
	return true, fmt.Errorf("loganalytics: upload: %w", err)
}

// serviceMessage is the message of the service's JSON error, else the
// status text.
func serviceMessage(re *azcore.ResponseError) string {
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if re.RawResponse != nil && re.RawResponse.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(re.RawResponse.Body, 4096))
		if json.Unmarshal(b, &body) == nil && body.Error.Message != "" {
			return body.Error.Message
		}
	}
	return http.StatusText(re.StatusCode)
}
