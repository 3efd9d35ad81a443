// Command gencloudtrail writes the retro-hunt benchmark's CloudTrail
// input: a JSON-lines file of realistic CloudTrail records (one a line, as
// CloudWatch Logs exports and forwarders write them; S3's log files hold
// the same records in {"Records":[...]}), a Sentinel watchlist of AWS
// Secrets Manager decoys, the decoy names for grep, and the expected
// results.
//
//	go run ./bench/scan/gencloudtrail -out DIR [-size 600000000] [-decoys 10000] [-stores 200] [-hit-every 2000]
//
// Files written to DIR: corpus.json, watchlist.csv, names.txt,
// expected.txt (records=, alerts=, grep_lines=, lookalikes=, bytes=,
// decoys=, stores=) and expected-alerts.txt (the requestID of every
// expected alert, one a line per alert, sorted: a batch naming two
// decoys is two lines).
//
// Traffic: most records are other services' (S3, KMS, STS, EC2, Lambda);
// the Secrets Manager ones read, describe and list ordinary secrets of the
// stores (accounts × regions). About one record in hit-every touches a
// decoy — by name, full ARN, partial ARN, in a BatchGetSecretValue, a
// denied attempt — and as many again are look-alikes grep reports and
// honeyvault must not: another case (names are case-sensitive), a prefix
// or suffix, the same name in another account or region, an S3 object key
// spelled like a decoy. The expected grep count is computed here with an
// Aho–Corasick automaton over each lower-cased line, as grep -F -i counts.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/coregx/ahocorasick"
)

var (
	envs    = []string{"prod", "staging", "dev", "qa", "shared", "legacy"}
	systems = []string{"payments", "orders", "billing", "identity", "search", "reporting", "crm", "erp", "ledger", "media", "checkout", "inventory"}
	kinds   = []string{"db-admin-password", "stripe-api-key", "github-deploy-key", "datadog-api-key", "rds-master", "jwt-signing-key",
		"oauth-client-secret", "sendgrid-api-key", "slack-webhook", "pagerduty-token", "snowflake-password", "redis-auth"}
	regions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ca-central-1"}
	agents  = []string{"aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux", "aws-cli/2.17.0 md/awscrt#0.20.11",
		"aws-sdk-java/2.25.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17", "AWS Internal"}
	others = []struct{ source, name string }{{"s3.amazonaws.com", "GetObject"}, {"s3.amazonaws.com", "PutObject"}, {"kms.amazonaws.com", "Decrypt"},
		{"sts.amazonaws.com", "AssumeRole"}, {"ec2.amazonaws.com", "DescribeInstances"}, {"lambda.amazonaws.com", "Invoke"}}
)

type store struct {
	account, region string
	decoys, normal  []string
}

type gen struct {
	rng    *rand.Rand
	stores []store
	n      int
	look   int
	alerts []string // request ids, one per expected alert
	line   []byte
	t      time.Time
}

func main() {
	out := flag.String("out", "", "output directory (created)")
	size := flag.Int64("size", 600_000_000, "corpus size in bytes (at least)")
	nDecoys := flag.Int("decoys", 10_000, "number of decoys")
	nStores := flag.Int("stores", 200, "number of stores (account × region)")
	hitEvery := flag.Int("hit-every", 2_000, "about one decoy access per this many records")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" || *nDecoys < *nStores || *nStores < 2 || *hitEvery < 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	g := &gen{rng: rand.New(rand.NewPCG(*seed, *seed+1)), t: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	names := g.plan(*nDecoys, *nStores)
	writeWatchlist(filepath.Join(*out, "watchlist.csv"), g.stores)
	writeLines(filepath.Join(*out, "names.txt"), names)

	lower := make([]string, len(names))
	for i, n := range names {
		lower[i] = strings.ToLower(n)
	}
	ac, err := ahocorasick.NewBuilder().AddStrings(lower).Build()
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(filepath.Join(*out, "corpus.json"))
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var written int64
	grepLines := 0
	for written < *size {
		g.record(*hitEvery)
		if ac.IsMatch(bytes.ToLower(g.line)) {
			grepLines++
		}
		w.Write(g.line)
		written += int64(len(g.line))
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	f.Close()
	sort.Strings(g.alerts)
	writeLines(filepath.Join(*out, "expected-alerts.txt"), g.alerts)
	exp := fmt.Sprintf("records=%d\nalerts=%d\ngrep_lines=%d\nlookalikes=%d\nbytes=%d\ndecoys=%d\nstores=%d\n",
		g.n, len(g.alerts), grepLines, g.look, written, *nDecoys, *nStores)
	if err := os.WriteFile(filepath.Join(*out, "expected.txt"), []byte(exp), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(exp)
}

// plan makes the stores (accounts in regions), their decoys (names unique
// across the estate, so that a look-alike in another store is only that)
// and ordinary secrets.
func (g *gen) plan(nDecoys, nStores int) []string {
	seen := map[string]bool{}
	var names []string
	for i := range nStores {
		g.stores = append(g.stores, store{account: fmt.Sprintf("%012d", 100000000000+i/len(regions)*7919), region: regions[i%len(regions)]})
	}
	for i := 0; len(names) < nDecoys; i++ {
		n := fmt.Sprintf("%s/%s/%s", envs[g.rng.IntN(len(envs))], systems[g.rng.IntN(len(systems))], kinds[g.rng.IntN(len(kinds))])
		if g.rng.IntN(2) == 0 {
			n += fmt.Sprintf("-%d", g.rng.IntN(1000))
		}
		if seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		s := &g.stores[len(names)%nStores]
		s.decoys = append(s.decoys, n)
		names = append(names, n)
	}
	for i := range g.stores {
		for j := range 25 {
			g.stores[i].normal = append(g.stores[i].normal, fmt.Sprintf("svc-%d/%s/config-%d", j, systems[j%len(systems)], g.rng.IntN(100)))
		}
	}
	return names
}

func (g *gen) arn(s *store, name string, full bool) string {
	a := "arn:aws:secretsmanager:" + s.region + ":" + s.account + ":secret:" + name
	if full {
		const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		a += "-"
		for range 6 {
			a += string(letters[g.rng.IntN(len(letters))])
		}
	}
	return a
}

// record generates the next record into g.line.
func (g *gen) record(hitEvery int) {
	g.n++
	g.t = g.t.Add(time.Duration(g.rng.IntN(200)) * time.Millisecond)
	id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", g.rng.Uint32(), g.rng.IntN(1<<16), g.rng.IntN(1<<12), g.rng.IntN(1<<12), g.rng.Uint64()&(1<<48-1))
	s := &g.stores[g.rng.IntN(len(g.stores))]
	rec := g.base(s, id)
	switch r := g.rng.IntN(hitEvery); {
	case r == 0:
		g.hit(rec, s, id)
	case r == 1:
		g.lookalike(rec, s)
	default:
		g.ordinary(rec, s)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		log.Fatal(err)
	}
	g.line = append(b, '\n')
}

func (g *gen) base(s *store, id string) map[string]any {
	user := fmt.Sprintf("svc-%d", g.rng.IntN(40))
	return map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{"type": "AssumedRole", "principalId": "AROA" + strings.ToUpper(fmt.Sprintf("%016x", g.rng.IntN(40))) + ":" + user,
			"arn": "arn:aws:sts::" + s.account + ":assumed-role/" + user + "-role/" + user, "accountId": s.account,
			"accessKeyId": fmt.Sprintf("ASIA%016X", g.rng.Uint64()),
			"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROA" + strings.ToUpper(fmt.Sprintf("%016x", g.rng.IntN(40))),
				"arn": "arn:aws:iam::" + s.account + ":role/" + user + "-role", "accountId": s.account, "userName": user + "-role"},
				"attributes": map[string]any{"creationDate": g.t.Add(-time.Hour).Format(time.RFC3339), "mfaAuthenticated": "false"}}},
		"eventTime": g.t.Format(time.RFC3339), "eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
		"awsRegion": s.region, "sourceIPAddress": fmt.Sprintf("10.%d.%d.%d", g.rng.IntN(256), g.rng.IntN(256), g.rng.IntN(256)),
		"userAgent": agents[g.rng.IntN(len(agents))], "requestParameters": nil, "responseElements": nil,
		"requestID": id, "eventID": fmt.Sprintf("%016x%016x", g.rng.Uint64(), g.rng.Uint64()), "readOnly": true,
		"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": s.account, "eventCategory": "Management",
		"tlsDetails": map[string]any{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "secretsmanager." + s.region + ".amazonaws.com"},
	}
}

func (g *gen) ordinary(rec map[string]any, s *store) {
	normal := s.normal[g.rng.IntN(len(s.normal))]
	switch r := g.rng.IntN(10); {
	case r < 6:
		o := others[g.rng.IntN(len(others))]
		rec["eventSource"], rec["eventName"] = o.source, o.name
		rec["requestParameters"] = map[string]any{"bucketName": "data-" + s.account, "key": fmt.Sprintf("exports/%d/part-%05d.parquet", g.rng.IntN(100), g.rng.IntN(100000))}
	case r < 8:
		rec["requestParameters"] = map[string]any{"secretId": normal}
	case r < 9:
		rec["eventName"] = "DescribeSecret"
		rec["requestParameters"] = map[string]any{"secretId": g.arn(s, normal, true)}
	default:
		rec["eventName"] = "ListSecrets"
		rec["requestParameters"] = map[string]any{"maxResults": 100}
	}
}

// hit touches a decoy of s in one of the ways callers name secrets.
func (g *gen) hit(rec map[string]any, s *store, id string) {
	if len(s.decoys) == 0 {
		g.ordinary(rec, s)
		return
	}
	d := s.decoys[g.rng.IntN(len(s.decoys))]
	switch g.rng.IntN(6) {
	case 0:
		rec["requestParameters"] = map[string]any{"secretId": d}
	case 1:
		rec["requestParameters"] = map[string]any{"secretId": g.arn(s, d, true)}
	case 2:
		rec["requestParameters"] = map[string]any{"secretId": g.arn(s, d, false)}
	case 3:
		rec["eventName"] = "BatchGetSecretValue"
		rec["requestParameters"] = map[string]any{"secretIdList": []string{s.normal[0], d, s.normal[1]}}
	case 4:
		rec["errorCode"] = "AccessDenied"
		rec["errorMessage"] = "User: " + rec["userIdentity"].(map[string]any)["arn"].(string) + " is not authorized to perform: secretsmanager:GetSecretValue on resource: " + d + " because no identity-based policy allows the secretsmanager:GetSecretValue action"
		rec["requestParameters"] = map[string]any{"secretId": d}
	default:
		rec["eventName"] = "DescribeSecret"
		rec["requestParameters"] = map[string]any{"secretId": d}
	}
	g.alerts = append(g.alerts, id)
}

// lookalike names something grep takes for a decoy and honeyvault must not.
func (g *gen) lookalike(rec map[string]any, s *store) {
	if len(s.decoys) == 0 {
		g.ordinary(rec, s)
		return
	}
	g.look++
	d := s.decoys[g.rng.IntN(len(s.decoys))]
	switch g.rng.IntN(5) {
	case 0:
		rec["requestParameters"] = map[string]any{"secretId": strings.ToUpper(d[:1]) + d[1:]}
	case 1:
		rec["requestParameters"] = map[string]any{"secretId": d + "-old"}
	case 2:
		rec["requestParameters"] = map[string]any{"secretId": "archive/" + d}
	case 3:
		other := &g.stores[(g.rng.IntN(len(g.stores)-1)+1+indexOf(g.stores, s))%len(g.stores)]
		rec["requestParameters"] = map[string]any{"secretId": g.arn(other, d, true)}
		rec["awsRegion"], rec["recipientAccountId"] = other.region, other.account
	default:
		rec["eventSource"], rec["eventName"] = "s3.amazonaws.com", "GetObject"
		rec["requestParameters"] = map[string]any{"bucketName": "backup-" + s.account, "key": d}
	}
}

func indexOf(ss []store, s *store) int {
	for i := range ss {
		if &ss[i] == s {
			return i
		}
	}
	return 0
}

func writeWatchlist(path string, stores []store) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	w.Write([]string{"ResourceProvider", "ResourceId", "HoneyToken", "Properties"})
	for _, s := range stores {
		for _, d := range s.decoys {
			w.Write([]string{"AWS.SecretsManager", "arn:aws:secretsmanager:" + s.region + ":" + s.account, d, `{"Type":"secret"}`})
		}
	}
	w.Flush()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func writeLines(path string, lines []string) {
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
}
