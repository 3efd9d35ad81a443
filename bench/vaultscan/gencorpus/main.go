// Command gencorpus writes the Vault retro-hunt benchmark's input: a
// HashiCorp Vault file audit device's log (one JSON entry a line, request
// and response entries per call, tokens, accessors and values HMAC'd as
// Vault writes them), a Sentinel-style watchlist of Vault decoys, the
// decoy names for grep, and the expected results.
//
//	go run ./bench/vaultscan/gencorpus -out DIR [-size 600000000] [-decoys 10000] [-mounts 40] [-hit-every 2000]
//
// Files written to DIR:
//
//	audit.log            the entries, one a line
//	watchlist.csv        the decoys (vault://bench/{mount}, HashiCorp.Vault rows)
//	names.txt            the decoy paths, one a line (grep -F -i -f names.txt)
//	expected.txt         records=, alerts=, grep_lines=, lookalikes=
//	expected-alerts.txt  the request ids of the true decoy accesses, sorted
//
// Traffic: applications read their own secrets under {mount}/data/apps/
// {app}/..., list folders, renew and look up tokens; decoys sit in the
// same folders as real secrets. About one entry in hit-every belongs to
// a call that touches a decoy (read, metadata read, version read, destroy,
// denied read: a request and a response entry, one alert); as many are
// look-alikes that grep reports and honeyvault must not (a decoy's path
// with a suffix, in other case, in another mount). The expected grep
// count comes from an Aho–Corasick pass over each lower-cased line —
// what grep -F -i counts.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
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
	apps   = []string{"orders", "inventory", "checkout", "catalog", "shipping", "notify", "identity", "gateway", "ledger", "pricing", "profile", "media", "audit", "portal", "billing", "etl", "scheduler", "search", "payroll", "crm"}
	leaves = []string{"config", "database", "redis", "smtp", "api", "oauth", "tls", "kafka", "s3", "ldap"}
	decoyW = []string{"break-glass", "root-credentials", "admin-api-key", "legacy-db-password", "signing-key-old", "master-token", "backup-creds", "svc-account-prod"}
	agents = []string{"Go-http-client/1.1", "vault/1.18.3 (+https://www.vaultproject.io/; go1.23.4)", "python-requests/2.32.3", "Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-vault/4.5.0"}
)

type gen struct {
	rng    *rand.Rand
	mounts []string
	decoys []decoy
	t      time.Time
	seq    int
	buf    bytes.Buffer
	alerts []string
	looks  int
}

type decoy struct{ mount, path string }

func main() {
	out := flag.String("out", "bench/out/vaultscan", "output directory")
	size := flag.Int64("size", 600_000_000, "bytes of audit log to write")
	nDecoys := flag.Int("decoys", 10000, "decoys")
	nMounts := flag.Int("mounts", 40, "KV mounts")
	hitEvery := flag.Int("hit-every", 2000, "about one decoy call per this many entries")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	g := &gen{rng: rand.New(rand.NewPCG(20, 12)), t: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)}
	g.mounts = append(g.mounts, "secret")
	for i := 1; i < *nMounts; i++ {
		g.mounts = append(g.mounts, fmt.Sprintf("kv/team-%02d", i))
	}
	seen := map[string]bool{}
	for len(g.decoys) < *nDecoys {
		d := decoy{g.pick(g.mounts), fmt.Sprintf("apps/%s-%d/%s", g.pick(apps), g.rng.IntN(500), g.pick(decoyW))}
		if !seen[d.mount+"|"+d.path] {
			seen[d.mount+"|"+d.path] = true
			g.decoys = append(g.decoys, d)
		}
	}
	writeWatchlist(filepath.Join(*out, "watchlist.csv"), g.decoys)
	names := map[string]bool{}
	var lower []string
	for _, d := range g.decoys {
		if !names[d.path] {
			names[d.path] = true
			lower = append(lower, strings.ToLower(d.path))
		}
	}
	writeLines(filepath.Join(*out, "names.txt"), lower)
	ac, err := ahocorasick.NewBuilder().AddStrings(lower).Build()
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(filepath.Join(*out, "audit.log"))
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var written int64
	records, grepLines := 0, 0
	low := make([]byte, 0, 4096)
	for written < *size {
		g.buf.Reset()
		g.call(*hitEvery)
		for _, line := range bytes.SplitAfter(g.buf.Bytes(), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			records++
			low = append(low[:0], line...)
			for i, c := range low {
				if 'A' <= c && c <= 'Z' {
					low[i] = c + 'a' - 'A'
				}
			}
			if ac.IsMatch(low) {
				grepLines++
			}
		}
		n, err := w.Write(g.buf.Bytes())
		if err != nil {
			log.Fatal(err)
		}
		written += int64(n)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	f.Close()
	sort.Strings(g.alerts)
	writeLines(filepath.Join(*out, "expected-alerts.txt"), g.alerts)
	writeLines(filepath.Join(*out, "expected.txt"), []string{
		fmt.Sprintf("records=%d", records), fmt.Sprintf("alerts=%d", len(g.alerts)), fmt.Sprintf("grep_lines=%d", grepLines),
		fmt.Sprintf("lookalikes=%d", g.looks), fmt.Sprintf("decoys=%d", len(g.decoys)), fmt.Sprintf("mounts=%d", len(g.mounts)),
	})
	fmt.Printf("%d bytes, %d entries, %d decoy calls, %d look-alike calls\n", written, records, len(g.alerts), g.looks)
}

func (g *gen) pick(s []string) string { return s[g.rng.IntN(len(s))] }

func (g *gen) hmac() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 76)
	b = append(b, "hmac-sha256:"...)
	for range 64 {
		b = append(b, hex[g.rng.IntN(16)])
	}
	return string(b)
}

// call writes the entries of one call: mostly ordinary traffic, about one
// in hitEvery/2 a decoy access, as many a look-alike.
func (g *gen) call(hitEvery int) {
	switch r := g.rng.IntN(hitEvery); {
	case r == 0:
		d := g.decoys[g.rng.IntN(len(g.decoys))]
		id := g.id()
		g.alerts = append(g.alerts, id)
		switch g.rng.IntN(5) {
		case 0:
			g.pair(id, "read", d.mount, "metadata/"+d.path, "", "")
		case 1:
			g.pair(id, "read", d.mount, "data/"+d.path, `,"data":{"version":1}`, "")
		case 2:
			g.pair(id, "update", d.mount, "destroy/"+d.path, `,"data":{"versions":[1]}`, "")
		case 3:
			g.pair(id, "read", d.mount, "data/"+d.path, "", `,"error":"permission denied"`)
		default:
			g.pair(id, "read", d.mount, "data/"+d.path, "", "")
		}
	case r == 1:
		d := g.decoys[g.rng.IntN(len(g.decoys))]
		g.looks++
		switch g.rng.IntN(3) {
		case 0:
			g.pair(g.id(), "read", d.mount, "data/"+d.path+"-v2", "", "")
		case 1:
			g.pair(g.id(), "read", d.mount, "data/"+strings.ToUpper(d.path[:1])+d.path[1:], "", "")
		default:
			g.pair(g.id(), "read", "archive", "data/"+d.path, "", "")
		}
	case r < hitEvery/20:
		g.pair(g.id(), "list", g.pick(g.mounts), fmt.Sprintf("metadata/apps/%s-%d/", g.pick(apps), g.rng.IntN(500)), `,"data":{"list":"`+g.hmac()+`"}`, "")
	case r < hitEvery/10:
		g.sys("update", "auth/token/renew-self", "token")
	default:
		g.pair(g.id(), "read", g.pick(g.mounts), fmt.Sprintf("data/apps/%s-%d/%s", g.pick(apps), g.rng.IntN(500), g.pick(leaves)), "", "")
	}
}

func (g *gen) id() string {
	g.seq++
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", g.rng.Uint32(), g.seq&0xffff, g.rng.IntN(4096), g.rng.IntN(4096), g.rng.Uint64()&0xffffffffffff)
}

func (g *gen) now() string {
	g.t = g.t.Add(time.Duration(1+g.rng.IntN(3000)) * time.Microsecond)
	return g.t.Format(time.RFC3339Nano)
}

// pair writes a KV call's request and response entries.
func (g *gen) pair(id, op, mount, rest, data, errField string) {
	auth := fmt.Sprintf(`{"accessor":%q,"client_token":%q,"display_name":"approle-%s","entity_id":"%08x-1f0a-4c6e-9b8d-%012x","metadata":{"role_name":"%s"},"policies":["default","%s-read"],"token_policies":["default","%s-read"],"token_type":"service"}`,
		g.hmac(), g.hmac(), g.pick(apps), g.rng.Uint32(), g.rng.Uint64()&0xffffffffffff, g.pick(apps), g.pick(apps), g.pick(apps))
	req := fmt.Sprintf(`{"client_token":%q,"client_token_accessor":%q,"headers":{"user-agent":[%q]},"id":%q,"mount_accessor":"kv_%08x","mount_point":"%s/","mount_type":"kv","namespace":{"id":"root"},"operation":%q,"path":"%s/%s","remote_address":"10.%d.%d.%d","remote_port":%d%s}`,
		g.hmac(), g.hmac(), g.pick(agents), id, g.rng.Uint32(), mount, op, mount, rest, g.rng.IntN(256), g.rng.IntN(256), g.rng.IntN(256), 30000+g.rng.IntN(30000), data)
	fmt.Fprintf(&g.buf, `{"auth":%s,"request":%s,"time":%q,"type":"request"%s}`+"\n", auth, req, g.now(), errField)
	resp := `"response":{"mount_accessor":"kv_0","mount_type":"kv"}`
	if errField == "" && op == "read" {
		resp = fmt.Sprintf(`"response":{"data":{"data":{"password":%q,"username":%q},"metadata":{"created_time":%q,"custom_metadata":null,"deletion_time":"","destroyed":false,"version":3}},"mount_type":"kv"}`, g.hmac(), g.hmac(), g.hmac())
	}
	if errField != "" {
		errField = `,"error":"1 error occurred:\n\t* permission denied\n\n"`
	}
	fmt.Fprintf(&g.buf, `{"auth":%s,"request":%s,%s,"time":%q,"type":"response"%s}`+"\n", auth, req, resp, g.now(), errField)
}

// sys writes a call outside the KV mounts.
func (g *gen) sys(op, path, mountType string) {
	id := g.id()
	e := fmt.Sprintf(`{"auth":{"accessor":%q,"client_token":%q,"display_name":"approle","token_type":"service"},"request":{"client_token":%q,"id":%q,"mount_point":"auth/token/","mount_type":%q,"namespace":{"id":"root"},"operation":%q,"path":%q,"remote_address":"10.0.0.%d"},"time":%q,"type":"%%s"}`,
		g.hmac(), g.hmac(), g.hmac(), id, mountType, op, path, g.rng.IntN(256), g.now())
	fmt.Fprintf(&g.buf, e+"\n", "request")
	fmt.Fprintf(&g.buf, e+"\n", "response")
}

func writeWatchlist(path string, decoys []decoy) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"ResourceProvider", "ResourceId", "HoneyToken", "Properties"})
	for _, d := range decoys {
		w.Write([]string{"HashiCorp.Vault", "vault://bench/" + d.mount, d.path, `{"Type":"secret"}`})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func writeLines(path string, lines []string) {
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
}
