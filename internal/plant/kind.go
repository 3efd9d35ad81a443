package plant

import "strings"

// ValueKind is what a secret's value looks like.
type ValueKind string

// The value kinds a decoy secret can hold.
const (
	KindPassword             ValueKind = "password"
	KindSQLConnection        ValueKind = "sql-connection-string"
	KindStorageConnection    ValueKind = "storage-connection-string"
	KindServiceBusConnection ValueKind = "servicebus-connection-string"
	KindRedisConnection      ValueKind = "redis-connection-string"
	KindPostgresConnection   ValueKind = "postgres-connection-string"
	KindMongoConnection      ValueKind = "mongodb-connection-string"
	KindStorageKey           ValueKind = "storage-account-key"
	KindSAS                  ValueKind = "sas-token"
	KindClientSecret         ValueKind = "client-secret"
	KindServicePrincipal     ValueKind = "service-principal-json"
	KindPrivateKey           ValueKind = "pem-private-key"
	KindSSHKey               ValueKind = "ssh-private-key"
	KindSigningKey           ValueKind = "signing-key"
	KindAPIKey               ValueKind = "api-key"
)

// KindOf says what kind of value a secret with this name holds, from the
// name's words: "Orders--ConnectionStrings--Sql" is a SQL Server connection
// string, "smtp-password" a password, anything unrecognised an API key.
func KindOf(name string) ValueKind { return kindOfWords(splitWords(name)) }

func kindOfWords(words []string) ValueKind {
	has := set(words...)
	joined := strings.Join(words, "")
	anyWord := func(ws ...string) bool {
		for _, w := range ws {
			if has[w] {
				return true
			}
		}
		return false
	}
	contains := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(joined, s) {
				return true
			}
		}
		return false
	}
	switch {
	case anyWord("connection", "connections", "conn", "connstr") || contains("connectionstring", "connstr"):
		switch {
		case anyWord("redis", "cache"):
			return KindRedisConnection
		case anyWord("servicebus", "bus", "sb", "eventhub", "eventhubs") || contains("servicebus", "eventhub"):
			return KindServiceBusConnection
		case anyWord("storage", "blob", "queue", "table", "st"):
			return KindStorageConnection
		case anyWord("postgres", "postgresql", "pg", "psql", "npgsql"):
			return KindPostgresConnection
		case anyWord("mongo", "mongodb", "cosmos", "cosmosdb"):
			return KindMongoConnection
		}
		return KindSQLConnection
	case anyWord("ssh") || contains("sshkey"):
		return KindSSHKey
	case anyWord("pem", "rsa", "pfx") || contains("privatekey"):
		return KindPrivateKey
	case anyWord("spn", "sp", "credentials", "creds", "credential", "json") || contains("serviceprincipal", "sdkauth"):
		return KindServicePrincipal
	case contains("clientsecret", "appsecret", "applicationsecret", "aadsecret"):
		return KindClientSecret
	case anyWord("sas") || contains("sastoken", "sasurl"):
		return KindSAS
	case anyWord("storage", "blob") && anyWord("key", "keys") || contains("accountkey", "storagekey"):
		return KindStorageKey
	case anyWord("password", "passwd", "pwd", "pass", "passphrase", "pin") || contains("password"):
		return KindPassword
	case anyWord("jwt", "hmac", "signing", "encryption", "aes", "salt", "webhook"):
		return KindSigningKey
	}
	return KindAPIKey
}

// isConnection reports whether a kind is a connection string.
func (k ValueKind) isConnection() bool { return strings.HasSuffix(string(k), "-connection-string") }

// vendors are services whose API keys have a recognisable shape.
var vendors = []string{"stripe", "sendgrid", "github", "gitlab", "slack", "openai", "twilio", "aws", "datadog", "mailgun", "google", "npm", "webhook", "eventhub"}

// vendorOf returns the first vendor a name's words mention, or "".
func vendorOf(words []string) string {
	has := set(words...)
	for _, v := range vendors {
		if has[v] || v == "eventhub" && has["eventhubs"] {
			return v
		}
	}
	if has["gh"] || has["pat"] {
		return "github"
	}
	if has["gcp"] {
		return "google"
	}
	return ""
}
