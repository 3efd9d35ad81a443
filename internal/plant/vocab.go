package plant

// Word lists the style learner and the namer share. All lower-case.

// envWords are environment names: a name segment that is one of them is an
// {env} slot, filled with the environments the vault itself uses. ("test" is
// missing on purpose: it is a giveaway word.)
var envWords = set(
	"prod", "production", "prd", "live", "dev", "develop", "development", "stg", "stage", "staging",
	"uat", "qa", "qas", "tst", "preprod", "pre", "ppe", "sandbox", "sbx", "int", "perf", "dr",
	"nonprod", "np", "demo", "hotfix", "local",
)

// regionWords are Azure regions and their common short codes: a segment that
// is one of them is a {region} slot.
var regionWords = set(
	"eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus",
	"southcentralus", "westcentralus", "northeurope", "westeurope", "uksouth", "ukwest",
	"francecentral", "germanywestcentral", "swedencentral", "switzerlandnorth", "norwayeast",
	"eastasia", "southeastasia", "japaneast", "japanwest", "australiaeast", "australiasoutheast",
	"canadacentral", "canadaeast", "brazilsouth", "centralindia", "southindia", "koreacentral",
	"uaenorth", "southafricanorth", "polandcentral", "italynorth", "spaincentral",
	"eus", "eus2", "wus", "wus2", "wus3", "cus", "ncus", "scus", "wcus", "neu", "weu", "uks",
	"ukw", "frc", "gwc", "sdc", "sea", "jpe", "jpw", "aue", "cac", "cae", "brs",
)

// semanticWords say what a secret is. They make up the core of a name and
// are never taken for an application prefix or suffix.
var semanticWords = set(
	"password", "passwd", "pwd", "pass", "passphrase", "secret", "secrets", "key", "keys",
	"token", "tokens", "api", "connection", "connections", "string", "strings",
	"conn", "connstr", "cert", "certs", "certificate", "certificates", "tls", "ssl", "pfx",
	"pem", "client", "id", "user", "username", "login", "credential", "credentials", "creds",
	"sas", "access", "private", "public", "signing", "encryption", "auth", "oauth", "jwt",
	"webhook", "hmac", "pat", "account", "sp", "spn", "principal", "tenant", "subscription",
	"value", "setting", "settings", "config", "endpoint", "url", "uri",
	"host", "name", "code", "pin", "salt", "seed", "master", "root", "admin",
)

// techWords name services; they are good qualifiers ("redis-password").
var techWords = set(
	"sql", "db", "database", "redis", "cache", "storage", "blob", "queue", "table", "servicebus",
	"bus", "eventhub", "eventhubs", "cosmos", "mongo", "mongodb", "postgres", "postgresql", "pg",
	"psql", "mysql", "stripe", "sendgrid", "github", "gitlab", "slack", "openai", "twilio", "aws",
	"azure", "aad", "entra", "graph", "smtp", "mail", "email", "ftp", "sftp", "ssh", "vm", "web",
	"func", "function", "data", "docker", "registry", "acr", "npm", "nuget", "jenkins", "grafana",
	"datadog", "splunk", "mailgun", "google", "gcp", "kafka", "elastic", "search", "ldap", "vpn",
	"cdn", "rabbitmq",
)

// noiseWords appear in vaults' names without making a good qualifier for a
// new one (certificate host names: "tls-wildcard-contoso-com").
var noiseWords = set("wildcard", "com", "net", "org", "www", "cert", "certs", "kv", "vault", "keyvault", "new", "old", "tmp", "temp")

// builtinQualifiers make a keyword into a fuller name when the vault's own
// vocabulary is too small; chosen to look worth stealing.
var builtinQualifiers = []string{
	"admin", "backup", "legacy", "primary", "secondary", "internal", "partner", "batch",
	"reporting", "billing", "payments", "orders", "integration", "migration", "etl", "sync",
	"readonly", "ops", "deploy", "pipeline", "automation", "analytics", "warehouse", "crm",
	"erp", "portal", "gateway", "sftp", "vpn", "sql", "redis", "storage", "smtp", "github",
}

// builtinHeads are .NET configuration sections for vaults that use the
// Section--Key convention but whose own sections do not fit the keyword.
var builtinHeads = []string{"AzureAd", "Authentication", "Smtp", "Storage", "Jwt", "ExternalApis", "Payments", "Integrations"}

// segmentVocab is what splitWords uses to cut run-together words
// ("apikey" → api key, "CONNECTIONSTRING" → connection string).
var segmentVocab = union(envWords, semanticWords, techWords, set(builtinQualifiers...), set(
	"orders", "order", "customer", "customers", "user", "users", "default", "main", "ad",
	"share", "file", "files", "event", "events", "hub", "identity", "server", "shared",
	"read", "write", "only", "manage", "master", "backend", "frontend", "mobile", "core",
))

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func union(ms ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			out[k] = true
		}
	}
	return out
}
