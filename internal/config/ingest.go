package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kversion"
)

// Ingest lists the live sources honeyvault reads Key Vault audit records
// from, besides the HTTP push endpoint. Each entry runs on its own; several
// of each kind may run at once. Sources live only in the file: secrets in
// them may come from environment variables named there (…_env keys).
type Ingest struct {
	EventHubs    []EventHubsSource    `yaml:"eventhubs"`
	Storage      []StorageSource      `yaml:"storage"`
	LogAnalytics []LogAnalyticsSource `yaml:"loganalytics"`
	Files        []FileSource         `yaml:"files"`
	CloudTrail   []CloudTrailSource   `yaml:"cloudtrail"`
	// VaultSockets receive HashiCorp Vault / OpenBao audit entries from
	// Vault's socket audit device (none by default).
	VaultSockets []VaultSocketSource `yaml:"vault_sockets"`
}

// EventHubsSource reads an Event Hub through its Kafka endpoint (or any
// Kafka topic).
type EventHubsSource struct {
	Name string `yaml:"name"`
	// Brokers default to NAMESPACE.servicebus.windows.net:9093 from the
	// connection string's Endpoint.
	Brokers []string `yaml:"brokers"`
	// ConnectionString (or the environment variable ConnectionStringEnv
	// names) is the Event Hubs namespace or hub connection string, sent as
	// the SASL PLAIN password of user $ConnectionString. Without one the
	// source speaks plain Kafka.
	ConnectionString    string `yaml:"connection_string"`
	ConnectionStringEnv string `yaml:"connection_string_env"`
	Topic               string `yaml:"topic"` // default insights-logs-auditevent (or the connection string's EntityPath)
	Group               string `yaml:"group"` // default $Default
	// TLS defaults to on with a connection string, off without.
	TLS    *bool  `yaml:"tls"`
	CAFile string `yaml:"ca_file"` // PEM CA bundle to trust instead of the system's
	// MaxVersion caps the Kafka protocol version offered ("2.0", "1.1"),
	// for namespaces or brokers that misbehave with newer requests.
	MaxVersion string `yaml:"max_version"`
	// Start is where a new consumer group begins: earliest (default:
	// everything the hub still retains) or latest.
	Start string `yaml:"start"`
	// SessionTimeout is how long the consumer group waits for a replica
	// that stopped answering (killed, paused) before its partitions go to
	// the others, and, during a rebalance, for each member to rejoin (0:
	// the client's defaults, 45s and 1m; at least 6s, the brokers' usual
	// floor).
	SessionTimeout Duration `yaml:"session_timeout"`
	// HeartbeatSLA is how long a heartbeat's record may take to come back
	// through this source (0: the default, 2m); see heartbeat.go.
	HeartbeatSLA Duration `yaml:"heartbeat_sla"`
	// Namespace is the Event Hubs namespace (its name or ARM id) the
	// diagnostics check and tamper rules count as read by this source;
	// default the namespace of the connection string's or brokers' host
	// (NAMESPACE.servicebus.windows.net).
	Namespace string `yaml:"namespace"`
}

// CloudTrailSource polls the CloudTrail log files a trail delivers to an
// S3 bucket (AWS Secrets Manager decoys).
type CloudTrailSource struct {
	Name   string `yaml:"name"`
	Bucket string `yaml:"bucket"`
	// Prefix is the trail's S3 key prefix, if it has one: the source
	// reads {prefix}/AWSLogs/.
	Prefix string `yaml:"prefix"`
	// Region is the bucket's region.
	Region string `yaml:"region"`
	// EndpointURL replaces the S3 endpoint (an S3-compatible store, a VPC
	// endpoint's URL); addressed path-style.
	EndpointURL string `yaml:"endpoint_url"`
	// AccessKeyID and SecretAccessKey (or the environment variable
	// SecretAccessKeyEnv names) are static credentials; without them the
	// SDK's default chain (AWS_* environment, shared config and
	// credentials files, web identity, ECS or EC2 instance role).
	AccessKeyID        string   `yaml:"access_key_id"`
	SecretAccessKey    string   `yaml:"secret_access_key"`
	SecretAccessKeyEnv string   `yaml:"secret_access_key_env"`
	PollInterval       Duration `yaml:"poll_interval"`
	// MaxAge skips log files last modified longer ago (0: read them all).
	MaxAge Duration `yaml:"max_age"`
}

// StorageSource polls the append blobs diagnostic settings write to a
// storage account.
type StorageSource struct {
	Name string `yaml:"name"`
	// Credentials, one of: a connection string (or the environment
	// variable naming it); AccountURL with an account key (or the variable
	// naming it); AccountURL with a SAS query; AccountURL alone, with
	// Azure identity (environment, workload or managed identity, Azure CLI).
	ConnectionString    string   `yaml:"connection_string"`
	ConnectionStringEnv string   `yaml:"connection_string_env"`
	AccountURL          string   `yaml:"account_url"`
	AccountKey          string   `yaml:"account_key"`
	AccountKeyEnv       string   `yaml:"account_key_env"`
	Container           string   `yaml:"container"` // default insights-logs-auditevent
	Prefix              string   `yaml:"prefix"`    // default resourceId=
	PollInterval        Duration `yaml:"poll_interval"`
	// Settle is how long a blob must be unmodified before a last line
	// without a line end is taken as complete.
	Settle Duration `yaml:"settle"`
	// MaxAge skips blobs last modified longer ago (0: read them all).
	MaxAge Duration `yaml:"max_age"`
	// HeartbeatSLA is how long a heartbeat's record may take to come back
	// through this source (0: the default, 20m); see heartbeat.go.
	HeartbeatSLA Duration `yaml:"heartbeat_sla"`
}

// LogAnalyticsSource polls a Log Analytics workspace through the query API.
type LogAnalyticsSource struct {
	Name        string `yaml:"name"`
	WorkspaceID string `yaml:"workspace_id"`
	// Table is AZKVAuditLogs (resource-specific, the default),
	// AzureDiagnostics (legacy) or AADServicePrincipalSignInLogs (Entra
	// ID's service-principal sign-ins, for an Entra ID canary).
	Table string `yaml:"table"`
	// Filter is an extra KQL predicate (… | where FILTER), e.g. to read
	// only some vaults.
	Filter       string   `yaml:"filter"`
	PollInterval Duration `yaml:"poll_interval"`
	// Overlap is how far before the last ingestion time seen each query
	// starts again, for records whose ingestion time is earlier than ones
	// already read but that became visible later. Dedupe makes it free.
	Overlap Duration `yaml:"overlap"`
	// MaxDelay bounds how much older than their ingestion time records can
	// be (TimeGenerated) and still be read.
	MaxDelay Duration `yaml:"max_delay"`
	// InitialLookback is how far back a new source starts.
	InitialLookback Duration `yaml:"initial_lookback"`
	MaxRows         int      `yaml:"max_rows"` // rows per query, default 10000
	// Cloud is public (default), china or usgovernment.
	Cloud string `yaml:"cloud"`
	// HeartbeatSLA is how long a heartbeat's record may take to come back
	// through this source (0: the default, 20m); see heartbeat.go.
	HeartbeatSLA Duration `yaml:"heartbeat_sla"`
	// WorkspaceResourceID is the workspace's ARM id, which diagnostic
	// settings name (WorkspaceID is its GUID): without it the diagnostics
	// check counts any workspace as read.
	WorkspaceResourceID string `yaml:"workspace_resource_id"`
}

// FileSource follows a file, or every matching file under a directory.
type FileSource struct {
	Name string `yaml:"name"`
	Path string `yaml:"path"`
	// Patterns select files by base name in a directory (default *.json,
	// *.jsonl, *.ndjson, *.log, *.gz, *.csv).
	Patterns     []string `yaml:"patterns"`
	PollInterval Duration `yaml:"poll_interval"`
	// Settle is how long a file must be unmodified before a last line
	// without a line end is taken as complete, and before a CSV export
	// (which has no end to recognise) is read.
	Settle Duration `yaml:"settle"`
	// HeartbeatSLA is how long a heartbeat's record may take to come back
	// through this source (0: the default, 20m); see heartbeat.go.
	HeartbeatSLA Duration `yaml:"heartbeat_sla"`
	// VaultCluster names the HashiCorp Vault / OpenBao cluster whose file
	// audit device writes these files (default "default"): Vault's entries
	// do not say which server wrote them, and a decoy's store id does
	// (vault://{cluster}/{mount}).
	VaultCluster string `yaml:"vault_cluster"`
}

// VaultSocketSource listens for Vault's socket audit device
// (vault audit enable socket address=HOST:PORT socket_type=tcp).
type VaultSocketSource struct {
	Name string `yaml:"name"`
	// Listen is the address (host:port) to listen on. Anyone who
	// reaches it can write audit entries: bind a private address, and
	// list Vault's addresses in AllowFrom.
	Listen string `yaml:"listen"`
	// Network is tcp (default: Vault's socket device with
	// socket_type=tcp, or a syslog relay's newline-framed TCP) or udp
	// (socket_type=udp, or syslog over UDP: one entry a datagram).
	Network string `yaml:"network"`
	// VaultCluster names the cluster whose audit device connects
	// (default "default"); see FileSource.VaultCluster.
	VaultCluster string `yaml:"vault_cluster"`
	// AllowFrom lists the addresses or CIDRs that may connect (default:
	// any).
	AllowFrom []string `yaml:"allow_from"`
	// MaxConnections bounds the connections served at once (default 16).
	MaxConnections int `yaml:"max_connections"`
	// MaxLineBytes bounds one audit entry (default 1 MiB).
	MaxLineBytes int `yaml:"max_line_bytes"`
}

// validVaultCluster is the form of a cluster in a Vault store id
// (vault://{cluster}/{mount}).
var validVaultCluster = regexp.MustCompile(`^[a-zA-Z0-9.-]{1,63}$`)

// AllowFromPrefixes returns AllowFrom as prefixes (an address is a
// prefix of its full length); validate has checked them.
func (s VaultSocketSource) AllowFromPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, a := range s.AllowFrom {
		if p, err := parsePrefixOrAddr(a); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func parsePrefixOrAddr(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// validSourceName keeps names usable as metric labels and checkpoint keys.
var validSourceName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$`)

// resolveSecrets fills secrets from the environment variables the file
// names, so that they need not be written in it.
func (in *Ingest) resolveSecrets(getenv func(string) string) error {
	resolve := func(setting string, value *string, env string) error {
		if env == "" {
			return nil
		}
		if *value != "" {
			return &Error{Setting: setting + "_env", Err: fmt.Errorf("set either %s or %s_env, not both", lastKey(setting), lastKey(setting))}
		}
		if *value = getenv(env); *value == "" {
			return &Error{Setting: setting + "_env", Err: fmt.Errorf("environment variable %s is not set", env)}
		}
		return nil
	}
	for i := range in.EventHubs {
		s := &in.EventHubs[i]
		if err := resolve(fmt.Sprintf("ingest.eventhubs[%d].connection_string", i), &s.ConnectionString, s.ConnectionStringEnv); err != nil {
			return err
		}
	}
	for i := range in.Storage {
		s := &in.Storage[i]
		if err := resolve(fmt.Sprintf("ingest.storage[%d].connection_string", i), &s.ConnectionString, s.ConnectionStringEnv); err != nil {
			return err
		}
		if err := resolve(fmt.Sprintf("ingest.storage[%d].account_key", i), &s.AccountKey, s.AccountKeyEnv); err != nil {
			return err
		}
	}
	for i := range in.CloudTrail {
		s := &in.CloudTrail[i]
		if err := resolve(fmt.Sprintf("ingest.cloudtrail[%d].secret_access_key", i), &s.SecretAccessKey, s.SecretAccessKeyEnv); err != nil {
			return err
		}
	}
	return nil
}

func lastKey(setting string) string { return setting[strings.LastIndex(setting, ".")+1:] }

// validate checks every source and returns the first setting that is wrong.
func (in *Ingest) validate() error {
	names := make(map[string]string) // name → setting that used it first
	name := func(prefix, n string) error {
		switch {
		case n == "":
			return &Error{Setting: prefix + ".name", Err: errors.New("required: every source needs a name (it keys its checkpoints)")}
		case !validSourceName.MatchString(n):
			return &Error{Setting: prefix + ".name", Err: fmt.Errorf("%q: use letters, digits, '.', '_' and '-' (at most 64)", n)}
		case strings.EqualFold(n, "http"):
			return &Error{Setting: prefix + ".name", Err: errors.New(`"http" is the push endpoint's name`)}
		}
		if first, ok := names[strings.ToLower(n)]; ok {
			return &Error{Setting: prefix + ".name", Err: fmt.Errorf("%q is already the name of %s", n, first)}
		}
		names[strings.ToLower(n)] = prefix
		return nil
	}
	positive := func(setting string, d Duration, floor time.Duration) error {
		if d != 0 && time.Duration(d) < floor {
			return &Error{Setting: setting, Err: fmt.Errorf("%s: must be at least %s (or left out for the default)", d, floor)}
		}
		return nil
	}
	for i, s := range in.EventHubs {
		p := fmt.Sprintf("ingest.eventhubs[%d]", i)
		if err := name(p, s.Name); err != nil {
			return err
		}
		if len(s.Brokers) == 0 && s.ConnectionString == "" {
			return &Error{Setting: p + ".brokers", Err: errors.New("required without a connection string")}
		}
		for _, b := range s.Brokers {
			if i := strings.LastIndexByte(b, ':'); i <= 0 || i == len(b)-1 || strings.Contains(b, "/") {
				return &Error{Setting: p + ".brokers", Err: fmt.Errorf("%q is not host:port", b)}
			}
		}
		if s.ConnectionString != "" && !strings.Contains(strings.ToLower(s.ConnectionString), "sharedaccesskey") {
			return &Error{Setting: p + ".connection_string", Err: errors.New("not an Event Hubs connection string (Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…)")}
		}
		if s.CAFile != "" && ((s.TLS != nil && !*s.TLS) || (s.TLS == nil && s.ConnectionString == "")) {
			return &Error{Setting: p + ".ca_file", Err: errors.New("set, but TLS is off (tls: true turns it on without a connection string)")}
		}
		if s.MaxVersion != "" && kversion.FromString(s.MaxVersion) == nil {
			return &Error{Setting: p + ".max_version", Err: fmt.Errorf("%q is not a Kafka version (e.g. 2.0, 1.1)", s.MaxVersion)}
		}
		switch s.Start {
		case "", "earliest", "latest":
		default:
			return &Error{Setting: p + ".start", Err: fmt.Errorf("%q: want earliest or latest", s.Start)}
		}
		if err := positive(p+".session_timeout", s.SessionTimeout, 6*time.Second); err != nil {
			return err
		}
	}
	for i, s := range in.Storage {
		p := fmt.Sprintf("ingest.storage[%d]", i)
		if err := name(p, s.Name); err != nil {
			return err
		}
		switch {
		case s.ConnectionString == "" && s.AccountURL == "":
			return &Error{Setting: p + ".account_url", Err: errors.New("required without a connection string")}
		case s.ConnectionString != "" && (s.AccountURL != "" || s.AccountKey != ""):
			return &Error{Setting: p + ".connection_string", Err: errors.New("a connection string says everything: leave out account_url and account_key")}
		case s.AccountURL != "" && !strings.HasPrefix(s.AccountURL, "https://") && !strings.HasPrefix(s.AccountURL, "http://"):
			return &Error{Setting: p + ".account_url", Err: fmt.Errorf("%q is not an http(s) URL", redactURL(s.AccountURL))}
		}
		if err := positive(p+".poll_interval", s.PollInterval, time.Second); err != nil {
			return err
		}
	}
	for i, s := range in.LogAnalytics {
		p := fmt.Sprintf("ingest.loganalytics[%d]", i)
		if err := name(p, s.Name); err != nil {
			return err
		}
		if s.WorkspaceID == "" {
			return &Error{Setting: p + ".workspace_id", Err: errors.New("required: the workspace's id (a GUID, on its Overview page)")}
		}
		switch strings.ToLower(s.Table) {
		case "", "azkvauditlogs", "azurediagnostics", "aadserviceprincipalsigninlogs":
		default:
			return &Error{Setting: p + ".table", Err: fmt.Errorf("%q: want AZKVAuditLogs, AzureDiagnostics or AADServicePrincipalSignInLogs", s.Table)}
		}
		switch strings.ToLower(s.Cloud) {
		case "", "public", "china", "usgovernment":
		default:
			return &Error{Setting: p + ".cloud", Err: fmt.Errorf("%q: want public, china or usgovernment", s.Cloud)}
		}
		if s.MaxRows < 0 {
			return &Error{Setting: p + ".max_rows", Err: errors.New("must be positive")}
		}
		if err := positive(p+".poll_interval", s.PollInterval, time.Second); err != nil {
			return err
		}
		if s.Overlap < 0 || s.MaxDelay < 0 || s.InitialLookback < 0 {
			return &Error{Setting: p + ".overlap", Err: errors.New("overlap, max_delay and initial_lookback must not be negative")}
		}
	}
	if err := in.validateSourceDestinations(); err != nil {
		return err
	}
	for i, s := range in.CloudTrail {
		p := fmt.Sprintf("ingest.cloudtrail[%d]", i)
		if err := name(p, s.Name); err != nil {
			return err
		}
		if err := s.validate(p); err != nil {
			return err
		}
		if err := positive(p+".poll_interval", s.PollInterval, time.Second); err != nil {
			return err
		}
	}
	for i, s := range in.Files {
		p := fmt.Sprintf("ingest.files[%d]", i)
		if err := name(p, s.Name); err != nil {
			return err
		}
		if s.Path == "" {
			return &Error{Setting: p + ".path", Err: errors.New("required: a file or a directory")}
		}
		for _, pat := range s.Patterns {
			if _, err := filepath.Match(pat, ""); err != nil {
				return &Error{Setting: p + ".patterns", Err: fmt.Errorf("%q: %v", pat, err)}
			}
		}
		if err := positive(p+".poll_interval", s.PollInterval, 10*time.Millisecond); err != nil {
			return err
		}
		if s.VaultCluster != "" && !validVaultCluster.MatchString(s.VaultCluster) {
			return &Error{Setting: p + ".vault_cluster", Err: fmt.Errorf("%q: use 1-63 letters, digits, '.' and '-'", s.VaultCluster)}
		}
	}
	for i, s := range in.VaultSockets {
		p := fmt.Sprintf("ingest.vault_sockets[%d]", i)
		if err := name(p, s.Name); err != nil {
			return err
		}
		if _, port, err := net.SplitHostPort(s.Listen); err != nil || port == "" {
			return &Error{Setting: p + ".listen", Err: fmt.Errorf("%q is not host:port (the address Vault's socket device is given)", s.Listen)}
		}
		if s.VaultCluster != "" && !validVaultCluster.MatchString(s.VaultCluster) {
			return &Error{Setting: p + ".vault_cluster", Err: fmt.Errorf("%q: use 1-63 letters, digits, '.' and '-'", s.VaultCluster)}
		}
		if s.Network != "" && s.Network != "tcp" && s.Network != "udp" {
			return &Error{Setting: p + ".network", Err: fmt.Errorf("%q: want tcp or udp", s.Network)}
		}
		for _, a := range s.AllowFrom {
			if _, err := parsePrefixOrAddr(a); err != nil {
				return &Error{Setting: p + ".allow_from", Err: fmt.Errorf("%q is not an address or CIDR", a)}
			}
		}
		if s.MaxConnections < 0 || s.MaxLineBytes < 0 {
			return &Error{Setting: p + ".max_connections", Err: errors.New("max_connections and max_line_bytes must not be negative")}
		}
	}
	return nil
}

// normalize makes empty source lists the same as absent ones.
func (in *Ingest) normalize() {
	if len(in.EventHubs) == 0 {
		in.EventHubs = nil
	}
	if len(in.Storage) == 0 {
		in.Storage = nil
	}
	if len(in.LogAnalytics) == 0 {
		in.LogAnalytics = nil
	}
	if len(in.Files) == 0 {
		in.Files = nil
	}
	if len(in.CloudTrail) == 0 {
		in.CloudTrail = nil
	}
	if len(in.VaultSockets) == 0 {
		in.VaultSockets = nil
	}
}
