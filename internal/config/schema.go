package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Setting describes one scalar or list setting: where it lives in the YAML
// file, its environment variable, its flag and what it means. Structured
// settings (lists of sources, channels) live only in the file.
type Setting struct {
	Key   string // YAML path, dotted
	Env   string // HONEYVAULT_...; "" if none
	Flag  string // flag name without dashes; "" if none
	Usage string
	field func(*Config) any // pointer to the field: *string, *[]string, *Duration, *int, *float64, *bool
}

// Settings is the schema: every setting that can come from a flag or the
// environment. List settings take a comma-separated environment value and a
// repeatable flag.
var Settings = []Setting{
	{Key: "listen", Env: "HONEYVAULT_LISTEN", Flag: "listen",
		Usage: "address the HTTP server listens on",
		field: func(c *Config) any { return &c.Listen }},
	{Key: "db", Env: "HONEYVAULT_DB", Flag: "db",
		Usage: "database: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB",
		field: func(c *Config) any { return &c.DB }},
	{Key: "external_url", Env: "HONEYVAULT_EXTERNAL_URL", Flag: "external-url",
		Usage: "URL people use to reach the console (for links in notifications); default http://LISTEN",
		field: func(c *Config) any { return &c.ExternalURL }},
	{Key: "trusted_proxies", Env: "HONEYVAULT_TRUSTED_PROXIES", Flag: "trusted-proxy",
		Usage: "reverse proxy (address or CIDR) whose X-Forwarded-For is believed (repeatable)",
		field: func(c *Config) any { return &c.TrustedProxies }},
	{Key: "watchlist", Env: "HONEYVAULT_WATCHLIST", Flag: "watchlist",
		Usage: "Sentinel HoneyTokens watchlist CSV to import at start (repeatable)",
		field: func(c *Config) any { return &c.Watchlist }},
	{Key: "admin_token", Env: "HONEYVAULT_ADMIN_TOKEN",
		Usage: "bootstrap bearer token with the admin role (environment only is recommended)",
		field: func(c *Config) any { return &c.AdminToken }},
	{Key: "ingest_token", Env: "HONEYVAULT_INGEST_TOKEN",
		Usage: "bootstrap bearer token with the ingest role",
		field: func(c *Config) any { return &c.IngestToken }},
	{Key: "metrics_token", Env: "HONEYVAULT_METRICS_TOKEN",
		Usage: "bootstrap bearer token with the metrics role: all of /metrics, for a Prometheus scraper",
		field: func(c *Config) any { return &c.MetricsToken }},
	{Key: "log.format", Env: "HONEYVAULT_LOG_FORMAT", Flag: "log-format",
		Usage: "log format: text or json",
		field: func(c *Config) any { return &c.Log.Format }},
	{Key: "log.level", Env: "HONEYVAULT_LOG_LEVEL", Flag: "log-level",
		Usage: "log level: debug, info, warn or error",
		field: func(c *Config) any { return &c.Log.Level }},
	{Key: "notify.webhooks", Env: "HONEYVAULT_NOTIFY_WEBHOOK", Flag: "notify-webhook",
		Usage: "webhook URL that receives incidents (repeatable)",
		field: func(c *Config) any { return &c.Notify.Webhooks }},
	{Key: "notify.webhook_secret", Env: "HONEYVAULT_NOTIFY_WEBHOOK_SECRET",
		Usage: "HMAC-SHA256 key signing the bodies sent to notify.webhooks (X-Honeyvault-Signature)",
		field: func(c *Config) any { return &c.Notify.WebhookSecret }},
	{Key: "incidents.group_by", Env: "HONEYVAULT_INCIDENTS_GROUP_BY",
		Usage: "labels an alert shares with the incident it joins: vault, caller, decoy, ip, operation, class, severity",
		field: func(c *Config) any { return &c.Incidents.GroupBy }},
	{Key: "incidents.group_window", Env: "HONEYVAULT_INCIDENTS_GROUP_WINDOW",
		Usage: "how long after an incident's last alert a new alert still joins it",
		field: func(c *Config) any { return &c.Incidents.GroupWindow }},
	{Key: "incidents.batch_interval", Env: "HONEYVAULT_INCIDENTS_BATCH_INTERVAL",
		Usage: "how long later alerts of an incident are collected before they are sent (the first goes at once)",
		field: func(c *Config) any { return &c.Incidents.BatchInterval }},
	{Key: "shutdown_timeout", Env: "HONEYVAULT_SHUTDOWN_TIMEOUT", Flag: "shutdown-timeout",
		Usage: "how long a graceful shutdown may take",
		field: func(c *Config) any { return &c.Shutdown }},
	{Key: "retention", Env: "HONEYVAULT_RETENTION", Flag: "retention",
		Usage: "how long every ingested event is kept for investigations (incidents and alerts are kept)",
		field: func(c *Config) any { return &c.Retention }},
	{Key: "retention_interval", Env: "HONEYVAULT_RETENTION_INTERVAL",
		Usage: "how often events older than the retention are removed (by the replica doing the scheduled work)",
		field: func(c *Config) any { return &c.RetentionInterval }},
	{Key: "cluster.lease_ttl", Env: "HONEYVAULT_CLUSTER_LEASE_TTL",
		Usage: "how long a replica's lease (scheduled work, a pull source) lasts unrenewed before another replica takes the work over",
		field: func(c *Config) any { return &c.Cluster.LeaseTTL }},
	{Key: "decoy_sync_interval", Env: "HONEYVAULT_DECOY_SYNC_INTERVAL",
		Usage: "how often detection picks up decoys added or retired by other processes",
		field: func(c *Config) any { return &c.DecoySync }},
	{Key: "oidc.issuer", Env: "HONEYVAULT_OIDC_ISSUER",
		Usage: "OpenID Connect issuer for console sign-in, e.g. https://login.microsoftonline.com/TENANT/v2.0",
		field: func(c *Config) any { return &c.OIDC.Issuer }},
	{Key: "oidc.client_id", Env: "HONEYVAULT_OIDC_CLIENT_ID",
		Usage: "OIDC application (client) id",
		field: func(c *Config) any { return &c.OIDC.ClientID }},
	{Key: "oidc.client_secret", Env: "HONEYVAULT_OIDC_CLIENT_SECRET",
		Usage: "OIDC client secret (environment only is recommended)",
		field: func(c *Config) any { return &c.OIDC.ClientSecret }},
	{Key: "oidc.redirect_url", Env: "HONEYVAULT_OIDC_REDIRECT_URL",
		Usage: "the console's URL + /login/oidc/callback, as registered with the provider",
		field: func(c *Config) any { return &c.OIDC.RedirectURL }},
	{Key: "oidc.allowed_tenants", Env: "HONEYVAULT_OIDC_ALLOWED_TENANTS",
		Usage: "Entra tenant ids allowed to sign in (comma-separated; empty: any)",
		field: func(c *Config) any { return &c.OIDC.AllowedTenants }},
	{Key: "oidc.allowed_groups", Env: "HONEYVAULT_OIDC_ALLOWED_GROUPS",
		Usage: "groups or app roles one of which a person needs to sign in (empty: any)",
		field: func(c *Config) any { return &c.OIDC.AllowedGroups }},
	{Key: "oidc.admin_groups", Env: "HONEYVAULT_OIDC_ADMIN_GROUPS",
		Usage: "groups or app roles whose members are admins",
		field: func(c *Config) any { return &c.OIDC.AdminGroups }},
	{Key: "oidc.analyst_groups", Env: "HONEYVAULT_OIDC_ANALYST_GROUPS",
		Usage: "groups or app roles whose members are analysts",
		field: func(c *Config) any { return &c.OIDC.AnalystGroups }},
	{Key: "session.idle_timeout", Env: "HONEYVAULT_SESSION_IDLE_TIMEOUT",
		Usage: "console sessions end after this long without a request",
		field: func(c *Config) any { return &c.Session.IdleTimeout }},
	{Key: "session.absolute_timeout", Env: "HONEYVAULT_SESSION_ABSOLUTE_TIMEOUT",
		Usage: "console sessions end this long after sign-in",
		field: func(c *Config) any { return &c.Session.AbsoluteTimeout }},
	{Key: "tls.cert_file", Env: "HONEYVAULT_TLS_CERT_FILE", Flag: "tls-cert-file",
		Usage: "PEM certificate (chain) to serve HTTPS with",
		field: func(c *Config) any { return &c.TLS.CertFile }},
	{Key: "tls.key_file", Env: "HONEYVAULT_TLS_KEY_FILE", Flag: "tls-key-file",
		Usage: "PEM private key of tls.cert_file",
		field: func(c *Config) any { return &c.TLS.KeyFile }},
	{Key: "limits.login", Env: "HONEYVAULT_LIMITS_LOGIN",
		Usage: "sign-in attempts per client address, N/DURATION or off",
		field: func(c *Config) any { return &c.Limits.Login }},
	{Key: "limits.ingest", Env: "HONEYVAULT_LIMITS_INGEST",
		Usage: "ingest requests per token, N/DURATION or off",
		field: func(c *Config) any { return &c.Limits.Ingest }},
	{Key: "limits.ingest_concurrent", Env: "HONEYVAULT_LIMITS_INGEST_CONCURRENT", Flag: "ingest-concurrent",
		Usage: "ingest requests read and stored at once, at most half of them bodies stored in chunks (larger than 4 chunks' worth; more get 429); bounds the memory ingestion takes",
		field: func(c *Config) any { return &c.Limits.IngestConcurrent }},
	{Key: "limits.ingest_chunk_records", Env: "HONEYVAULT_LIMITS_INGEST_CHUNK_RECORDS", Flag: "ingest-chunk-records",
		Usage: "records of an ingest body per chunk, each durable before the next is stored: smaller chunks let a decoy access arriving meanwhile through sooner",
		field: func(c *Config) any { return &c.Limits.IngestChunkRecords }},
	{Key: "limits.memory_limit", Env: "HONEYVAULT_LIMITS_MEMORY_LIMIT", Flag: "memory-limit",
		Usage: "serve's soft memory limit, as GOMEMLIMIT spells it (512MiB, 2GiB) or off; unset: 90% of the cgroup's memory.max when there is one, else the live heap + max(48MiB, 25%), followed after each collection; GOMEMLIMIT wins",
		field: func(c *Config) any { return &c.Limits.MemoryLimit }},
	{Key: "inventory.interval", Env: "HONEYVAULT_INVENTORY_INTERVAL", Flag: "inventory-interval",
		Usage: "how often serve discovers the vaults of plant.subscriptions for coverage (a duration, or off)",
		field: func(c *Config) any { return &c.Inventory.Interval }},
	{Key: "inventory.late_after", Env: "HONEYVAULT_INVENTORY_LATE_AFTER",
		Usage: "how long a vault with decoys may go without an audit record before coverage calls it at risk",
		field: func(c *Config) any { return &c.Inventory.LateAfter }},
	{Key: "reconcile.interval", Env: "HONEYVAULT_RECONCILE_INTERVAL", Flag: "reconcile-interval",
		Usage: "how often serve reconciles the registry with the vaults and raises an alert for every decoy deleted, disabled or changed outside honeyvault (a duration, or off)",
		field: func(c *Config) any { return &c.Reconcile.Interval }},
	{Key: "kvreview.enabled", Env: "HONEYVAULT_KVREVIEW_ENABLED", Flag: "kvreview",
		Usage: "serve keeps each discovered vault's KVReview tag current as its coverage changes (writes tags to vaults)",
		field: func(c *Config) any { return &c.KVReview.Enabled }},
	{Key: "kvreview.tag", Env: "HONEYVAULT_KVREVIEW_TAG",
		Usage: "name of the review tag",
		field: func(c *Config) any { return &c.KVReview.Tag }},
	{Key: "kvreview.reviewed", Env: "HONEYVAULT_KVREVIEW_REVIEWED",
		Usage: "tag value of a vault that holds an active decoy",
		field: func(c *Config) any { return &c.KVReview.Reviewed }},
	{Key: "kvreview.review_needed", Env: "HONEYVAULT_KVREVIEW_REVIEW_NEEDED",
		Usage: "tag value of a vault that holds none",
		field: func(c *Config) any { return &c.KVReview.ReviewNeeded }},
	{Key: "heartbeat.interval", Env: "HONEYVAULT_HEARTBEAT_INTERVAL", Flag: "heartbeat-interval",
		Usage: "how often serve sends each decoy vault a heartbeat (a logged GET of a secret that does not exist) and checks the earlier ones came back (a duration, or off)",
		field: func(c *Config) any { return &c.Heartbeat.Interval }},
	{Key: "heartbeat.push_sla", Env: "HONEYVAULT_HEARTBEAT_PUSH_SLA",
		Usage: "how long a heartbeat's record may take to come back through the HTTP push endpoint (sources set their own: ingest.*[].heartbeat_sla)",
		field: func(c *Config) any { return &c.Heartbeat.PushSLA }},
	{Key: "diagnostics.interval", Env: "HONEYVAULT_DIAGNOSTICS_INTERVAL", Flag: "diagnostics-interval",
		Usage: "how often serve checks that every vault holding decoys sends AuditEvent to a destination honeyvault reads (a duration, or off)",
		field: func(c *Config) any { return &c.Diagnostics.Interval }},
	{Key: "diagnostics.destinations", Env: "HONEYVAULT_DIAGNOSTICS_DESTINATIONS",
		Usage: "ARM ids of Event Hubs namespaces, storage accounts or workspaces honeyvault reads through a forwarder (comma-separated)",
		field: func(c *Config) any { return &c.Diagnostics.Destinations }},
	// Canary values (README: "Canary values").
	{Key: "canary.kinds", Env: "HONEYVAULT_CANARY_KINDS", Flag: "canary-kind",
		Usage: "kinds of canary the planter puts into decoy secrets' values: http, dns, postgres (repeatable; none by default)",
		field: func(c *Config) any { return &c.Canary.Kinds }},
	{Key: "canary.http.listen", Env: "HONEYVAULT_CANARY_HTTP_LISTEN",
		Usage: "address the HTTP canary listener listens on (host:port; empty: off)",
		field: func(c *Config) any { return &c.Canary.HTTP.Listen }},
	{Key: "canary.http.public_url", Env: "HONEYVAULT_CANARY_HTTP_PUBLIC_URL",
		Usage: "base URL the world reaches the HTTP canary listener at: http canary values are URLs under it",
		field: func(c *Config) any { return &c.Canary.HTTP.PublicURL }},
	{Key: "canary.dns.listen", Env: "HONEYVAULT_CANARY_DNS_LISTEN",
		Usage: "address the DNS canary listener listens on, UDP and TCP (host:port; empty: off)",
		field: func(c *Config) any { return &c.Canary.DNS.Listen }},
	{Key: "canary.dns.zone", Env: "HONEYVAULT_CANARY_DNS_ZONE",
		Usage: "zone delegated to the DNS canary listener: dns canary values name hosts under it",
		field: func(c *Config) any { return &c.Canary.DNS.Zone }},
	{Key: "canary.dns.ns", Env: "HONEYVAULT_CANARY_DNS_NS",
		Usage: "the canary zone's name servers, as the parent zone's NS records name them (comma-separated; at least one with canary.dns.listen)",
		field: func(c *Config) any { return &c.Canary.DNS.NS }},
	{Key: "canary.postgres.listen", Env: "HONEYVAULT_CANARY_POSTGRES_LISTEN",
		Usage: "address the PostgreSQL canary listener listens on (host:port; empty: off)",
		field: func(c *Config) any { return &c.Canary.Postgres.Listen }},
	{Key: "canary.postgres.public_host", Env: "HONEYVAULT_CANARY_POSTGRES_PUBLIC_HOST",
		Usage: "host[:port] the world reaches the PostgreSQL canary listener at: postgres canary values connect there",
		field: func(c *Config) any { return &c.Canary.Postgres.PublicHost }},
	// Planting (honeyvault plant, retire, reconcile; the console's deploy).
	// No serve flags: the plant verbs have their own.
	{Key: "aws.account", Env: "HONEYVAULT_AWS_ACCOUNT",
		Usage: "AWS account id whose Secrets Manager decoys are planted into (empty: AWS off)",
		field: func(c *Config) any { return &c.AWS.Account }},
	{Key: "aws.regions", Env: "HONEYVAULT_AWS_REGIONS",
		Usage: "AWS regions to plant into (comma-separated)",
		field: func(c *Config) any { return &c.AWS.Regions }},
	{Key: "aws.principal_arn", Env: "HONEYVAULT_AWS_PRINCIPAL_ARN",
		Usage: "ARN CloudTrail names honeyvault's AWS credentials by (the allow rule of its own creates)",
		field: func(c *Config) any { return &c.AWS.PrincipalARN }},
	{Key: "aws.endpoint", Env: "HONEYVAULT_AWS_ENDPOINT",
		Usage: "Secrets Manager endpoint override (a VPC endpoint, an emulator); empty: AWS's",
		field: func(c *Config) any { return &c.AWS.Endpoint }},
	{Key: "plant.subscriptions", Env: "HONEYVAULT_PLANT_SUBSCRIPTIONS",
		Usage: "subscription ids to find vaults in (comma-separated; empty: all the identity can see)",
		field: func(c *Config) any { return &c.Plant.Subscriptions }},
	{Key: "plant.types", Env: "HONEYVAULT_PLANT_TYPES",
		Usage: "decoy types to plant in every vault: secret, key, certificate",
		field: func(c *Config) any { return &c.Plant.Types }},
	{Key: "plant.secret_keywords", Env: "HONEYVAULT_PLANT_SECRET_KEYWORDS",
		Usage: "keywords secret decoy names are built from (comma-separated; empty: honeyvault's)",
		field: func(c *Config) any { return &c.Plant.SecretKeywords }},
	{Key: "plant.key_keywords", Env: "HONEYVAULT_PLANT_KEY_KEYWORDS",
		Usage: "keywords key decoy names are built from",
		field: func(c *Config) any { return &c.Plant.KeyKeywords }},
	{Key: "plant.certificate_keywords", Env: "HONEYVAULT_PLANT_CERTIFICATE_KEYWORDS",
		Usage: "keywords certificate decoy names are built from",
		field: func(c *Config) any { return &c.Plant.CertificateKeywords }},
	{Key: "plant.probability", Env: "HONEYVAULT_PLANT_PROBABILITY",
		Usage: "chance of each additional decoy of a type in a vault, 0 to 1",
		field: func(c *Config) any { return &c.Plant.Probability }},
	{Key: "plant.max", Env: "HONEYVAULT_PLANT_MAX",
		Usage: "most decoys of one type in one vault",
		field: func(c *Config) any { return &c.Plant.Max }},
	{Key: "plant.dns_suffix", Env: "HONEYVAULT_PLANT_DNS_SUFFIX",
		Usage: "domain of certificate decoys' subjects (default APP.internal)",
		field: func(c *Config) any { return &c.Plant.DNSSuffix }},
	{Key: "plant.concurrency", Env: "HONEYVAULT_PLANT_CONCURRENCY",
		Usage: "vaults worked on at once",
		field: func(c *Config) any { return &c.Plant.Concurrency }},
	{Key: "plant.rate_headroom", Env: "HONEYVAULT_PLANT_RATE_HEADROOM",
		Usage: "share of Key Vault's per-vault and per-subscription limits planting uses",
		field: func(c *Config) any { return &c.Plant.RateHeadroom }},
	{Key: "plant.max_throttle_wait", Env: "HONEYVAULT_PLANT_MAX_THROTTLE_WAIT",
		Usage: "longest Retry-After planting waits out before a vault fails",
		field: func(c *Config) any { return &c.Plant.MaxThrottleWait }},
	{Key: "plant.grant_temporary", Env: "HONEYVAULT_PLANT_GRANT_TEMPORARY",
		Usage: "grant honeyvault's identity a temporary access policy on vaults it lacks permissions in (true/false)",
		field: func(c *Config) any { return &c.Plant.GrantTemporary }},
	{Key: "plant.auto", Env: "HONEYVAULT_PLANT_AUTO",
		Usage: "serve plants into discovered vaults without decoys and replaces decoys deleted outside honeyvault, unconfirmed (true/false)",
		field: func(c *Config) any { return &c.Plant.Auto }},
	{Key: "plant.refresh", Env: "HONEYVAULT_PLANT_REFRESH",
		Usage: "serve gives decoy secrets new versions as often as their vault's real secrets change (true/false)",
		field: func(c *Config) any { return &c.Plant.Refresh }},
	{Key: "plant.refresh_default", Env: "HONEYVAULT_PLANT_REFRESH_DEFAULT",
		Usage: "with plant.refresh, the interval of a vault with too few real secrets to learn from (default 2160h: 90 days)",
		field: func(c *Config) any { return &c.Plant.RefreshDefault }},
	{Key: "plant.value_hash_key", Env: "HONEYVAULT_PLANT_VALUE_HASH_KEY",
		Usage: "hex key (32+ bytes) of the hash kept of each secret decoy's value; empty keeps none",
		field: func(c *Config) any { return &c.Plant.ValueHashKey }},
	{Key: "plant.tenant_id", Env: "HONEYVAULT_PLANT_TENANT_ID",
		Usage: "Entra tenant of honeyvault's service principal",
		field: func(c *Config) any { return &c.Plant.TenantID }},
	{Key: "plant.client_id", Env: "HONEYVAULT_PLANT_CLIENT_ID",
		Usage: "client id of honeyvault's service principal (or user-assigned managed identity)",
		field: func(c *Config) any { return &c.Plant.ClientID }},
	{Key: "plant.client_secret", Env: "HONEYVAULT_PLANT_CLIENT_SECRET",
		Usage: "client secret of honeyvault's service principal (environment only is recommended)",
		field: func(c *Config) any { return &c.Plant.ClientSecret }},
	{Key: "plant.client_certificate", Env: "HONEYVAULT_PLANT_CLIENT_CERTIFICATE",
		Usage: "PEM or PKCS#12 file with the service principal's certificate and key",
		field: func(c *Config) any { return &c.Plant.ClientCertificate }},
	{Key: "plant.managed_identity", Env: "HONEYVAULT_PLANT_MANAGED_IDENTITY",
		Usage: "sign in with the host's managed identity (true/false)",
		field: func(c *Config) any { return &c.Plant.ManagedIdentity }},
	{Key: "plant.cloud", Env: "HONEYVAULT_PLANT_CLOUD",
		Usage: "Azure cloud: public, china or usgovernment",
		field: func(c *Config) any { return &c.Plant.Cloud }},
}

// set parses value into the setting's field of c. Lists are comma-separated.
func (s Setting) set(c *Config, value string) error {
	switch p := s.field(c).(type) {
	case *string:
		*p = value
	case *[]string:
		*p = nil
		for _, v := range strings.Split(value, ",") {
			if v = strings.TrimSpace(v); v != "" {
				*p = append(*p, v)
			}
		}
	case *Duration:
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("%q is not a duration (e.g. 30s, 5m)", value)
		}
		*p = Duration(d)
	case *int:
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", value)
		}
		*p = n
	case *float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", value)
		}
		*p = f
	case *bool:
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("%q: want true or false", value)
		}
		*p = b
	default:
		panic(fmt.Sprintf("config: setting %s has unsupported type %T", s.Key, p))
	}
	return nil
}

// Duration is a time.Duration written as "30s" in YAML.
type Duration time.Duration

// UnmarshalText reads "30s", "5m", "1h30m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (e.g. 30s, 5m)", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as "30s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// String formats the duration like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }
