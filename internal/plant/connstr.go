package plant

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
)

// Connection strings in the shapes the Azure portal and client libraries
// show them.

func sqlConnection(rng *rand.Rand, h ValueHints) string {
	user := oneOf(rng, []string{h.App + "_app", h.App + "admin", "sqladmin", h.App + "_svc"})
	return fmt.Sprintf("Server=tcp:%s.database.windows.net,1433;Initial Catalog=%s;Persist Security Info=False;"+
		"User ID=%s;Password=%s;MultipleActiveResultSets=False;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;",
		resourceName("sql", h, 63), dbName(rng, h), user, password(rng))
}

func dbName(rng *rand.Rand, h ValueHints) string {
	return oneOf(rng, []string{h.App, h.App + "db", "sqldb-" + h.App})
}

// storageAccountName is 3-24 lower-case letters and digits: "st" + app + env
// + a short random tail, as accounts are globally unique.
func storageAccountName(rng *rand.Rand, h ValueHints) string {
	base := "st" + alnumOnly(h.App) + alnumOnly(h.Env)
	if len(base) > 20 {
		base = base[:20]
	}
	return base + randString(rng, lowerChars+digitChars, 3+rng.IntN(2))
}

func alnumOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (isLower(byte(r)) || isDigit(byte(r))) {
			return r
		}
		return -1
	}, strings.ToLower(s))
}

func storageConnection(rng *rand.Rand, h ValueHints) string {
	return fmt.Sprintf("DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net",
		storageAccountName(rng, h), randBase64(rng, 64))
}

// storageConnectionTo is a storage connection string whose blob endpoint
// is blobEndpoint, as the portal writes one for an account with a custom
// domain or a private endpoint: clients send blob requests there.
func storageConnectionTo(account, key, blobEndpoint string) string {
	return fmt.Sprintf("DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;EndpointSuffix=core.windows.net",
		account, key, blobEndpoint)
}

func serviceBusConnection(rng *rand.Rand, h ValueHints, eventHub bool) string {
	prefix, keyName := "sb", oneOf(rng, []string{"RootManageSharedAccessKey", "RootManageSharedAccessKey", h.App + "-sender", "listen-send"})
	if eventHub {
		prefix = "evhns"
	}
	s := fmt.Sprintf("Endpoint=sb://%s.servicebus.windows.net/;SharedAccessKeyName=%s;SharedAccessKey=%s",
		resourceName(prefix, h, 50), keyName, randBase64(rng, 32))
	if eventHub {
		s += ";EntityPath=" + h.App + "-events"
	}
	return s
}

func redisConnection(rng *rand.Rand, h ValueHints) string {
	return fmt.Sprintf("%s.redis.cache.windows.net:6380,password=%s,ssl=True,abortConnect=False",
		resourceName("redis", h, 63), randBase64(rng, 32))
}

func postgresConnection(rng *rand.Rand, h ValueHints) string {
	return fmt.Sprintf("Server=%s.postgres.database.azure.com;Database=%s;Port=5432;User Id=%s;Password=%s;Ssl Mode=Require;",
		resourceName("psql", h, 63), h.App, oneOf(rng, []string{h.App + "_app", "pgadmin", h.App + "admin"}), password(rng))
}

func mongoConnection(rng *rand.Rand, h ValueHints) string {
	acct := resourceName("cosmos", h, 44)
	u := url.URL{
		Scheme:   "mongodb",
		User:     url.UserPassword(acct, randBase64(rng, 64)),
		Host:     acct + ".mongo.cosmos.azure.com:10255",
		Path:     "/",
		RawQuery: "ssl=true&replicaSet=globaldb&retrywrites=false&maxIdleTimeMS=120000&appName=@" + acct + "@",
	}
	return u.String()
}

// sasToken is an account SAS query string valid for a year from today.
func sasToken(rng *rand.Rand) string {
	st := time.Now().UTC().Truncate(time.Hour)
	se := st.AddDate(1, 0, 0)
	return fmt.Sprintf("sv=2022-11-02&ss=%s&srt=sco&sp=%s&se=%s&st=%s&spr=https&sig=%s",
		oneOf(rng, []string{"b", "bfqt", "bq"}), oneOf(rng, []string{"rl", "rwdlacupiytfx", "rwl"}),
		se.Format("2006-01-02T15:04:05Z"), st.Format("2006-01-02T15:04:05Z"),
		url.QueryEscape(randBase64(rng, 32)))
}
