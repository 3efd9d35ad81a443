// Command gencorpus writes the retro-hunt benchmark's input: a JSON-lines
// file of realistic Key Vault AuditEvent records (the storage archive's
// PT1H.json shape), a Sentinel watchlist of decoys, the decoy names for
// grep, and the expected results.
//
//	go run ./bench/scan/gencorpus -out DIR [-size 600000000] [-decoys 10000] [-vaults 2000] [-hit-every 2000]
//
// Files written to DIR:
//
//	corpus.json      the records, one a line
//	watchlist.csv    the decoys (Sentinel HoneyTokens CSV)
//	names.txt        the decoy names, one a line (grep -F -i -f names.txt)
//	decoys.json      {"vault|name": "type"} for the jq reference
//	expected.txt     records=, alerts=, grep_lines=, encoded_hits=, lookalikes=
//	expected-alerts.txt  the correlation ids of the true decoy accesses, sorted
//
// Traffic: each vault holds its decoys and about 25 ordinary objects;
// callers list, read, use and update ordinary objects. About one record in
// hit-every touches a decoy, in the spellings callers use (other case,
// version, ":443", percent-encoding, deleted paths, a certificate through
// its key or secret, failed attempts); as many again are look-alikes that
// grep reports and honeyvault must not (a decoy's name with a prefix or
// suffix, in another vault, as another type). The expected grep count is
// computed here with an Aho–Corasick automaton over each lower-cased line —
// exactly what grep -F -i counts.
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
	"strconv"
	"strings"

	"github.com/coregx/ahocorasick"
)

var (
	envs    = []string{"prod", "prd", "dev", "test", "stage", "uat", "qa", "dr", "shared", "core", "legacy", "eu", "us", "weu", "neu"}
	systems = []string{"sql", "cosmos", "redis", "stripe", "twilio", "sendgrid", "github", "jenkins", "sap", "salesforce", "okta",
		"datadog", "splunk", "kafka", "mongo", "postgres", "mysql", "oracle", "ldap", "smtp", "sftp", "vpn", "backup", "billing",
		"payroll", "crm", "erp", "hr", "finance", "reporting", "analytics", "search", "storage", "servicebus", "eventhub",
		"adf", "synapse", "databricks", "aks", "acr"}
	kinds = []string{"admin-password", "api-key", "connection-string", "client-secret", "sas-token", "signing-key",
		"master-key", "root-password", "service-account", "access-token", "refresh-token", "webhook-secret", "encryption-key",
		"private-key", "tls-cert", "jwt-secret", "oauth-secret", "db-password", "deploy-key", "break-glass"}
	apps = []string{"orders", "inventory", "checkout", "catalog", "shipping", "notify", "identity", "gateway", "ledger",
		"pricing", "profile", "media", "audit", "portal", "mobile", "batch", "etl", "scheduler", "cache", "worker"}
	parts = []string{"appsettings", "conn", "cfg", "endpoint", "queue", "topic", "blob", "table", "func", "host", "client",
		"cred", "token", "cert", "secret", "key", "password", "user", "url", "id"}
	agents = []string{
		"azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)",
		"azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.8; Microsoft Windows 10.0.20348)",
		"azsdk-python-keyvault-secrets/4.8.0 Python/3.12.3 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)",
		"azsdk-java-azure-security-keyvault-secrets/4.8.3 (17.0.11; Linux; 5.15.0-1064-azure)",
		"PowerShell/7.4.2 Az.KeyVault/5.2.2",
		"AZURECLI/2.61.0 (DEB) azsdk-python-azure-keyvault/7.3 Python/3.11.8 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
		"Terraform/1.8.5 terraform-provider-azurerm/3.107.0",
	}
)

type object struct {
	name string
	typ  string // secret, key, certificate
}

type vault struct {
	id, name, host string
	decoys         []object
	normal         []object
}

type caller struct{ oid, upn, appid, ip string }

type gen struct {
	rng     *rand.Rand
	vaults  []vault
	callers []caller
	line    []byte
	n       int
	corrs   []string // true decoy accesses
	enc     int
	look    int
}

func main() {
	out := flag.String("out", "", "output directory (created)")
	size := flag.Int64("size", 600_000_000, "corpus size in bytes (at least)")
	nDecoys := flag.Int("decoys", 10_000, "number of decoys")
	nVaults := flag.Int("vaults", 2_000, "number of vaults")
	hitEvery := flag.Int("hit-every", 2_000, "about one decoy access per this many records")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" || *nDecoys < *nVaults || *nVaults < 2 || *hitEvery < 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	g := &gen{rng: rand.New(rand.NewPCG(*seed, *seed+1))}
	names := g.plan(*nDecoys, *nVaults)
	writeWatchlist(filepath.Join(*out, "watchlist.csv"), g.vaults)
	writeLines(filepath.Join(*out, "names.txt"), names)
	writeDecoyMap(filepath.Join(*out, "decoys.json"), g.vaults)

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
	low := make([]byte, 0, 4096)
	for written < *size {
		g.record(*hitEvery)
		low = append(low[:0], g.line...)
		for i, c := range low {
			if 'A' <= c && c <= 'Z' {
				low[i] = c + 'a' - 'A'
			}
		}
		if ac.IsMatch(low) {
			grepLines++
		}
		w.Write(g.line)
		written += int64(len(g.line))
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	f.Close()
	sort.Strings(g.corrs)
	writeLines(filepath.Join(*out, "expected-alerts.txt"), g.corrs)
	exp := fmt.Sprintf("records=%d\nalerts=%d\ngrep_lines=%d\nencoded_hits=%d\nlookalikes=%d\nbytes=%d\ndecoys=%d\nvaults=%d\n",
		g.n, len(g.corrs), grepLines, g.enc, g.look, written, *nDecoys, *nVaults)
	if err := os.WriteFile(filepath.Join(*out, "expected.txt"), []byte(exp), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(exp)
}

// plan makes the vaults, their decoys (unique names) and ordinary objects
// (never a decoy's name in the same vault), and the callers.
func (g *gen) plan(nDecoys, nVaults int) []string {
	seen := map[string]bool{}
	var names []string
	for len(names) < nDecoys {
		n := envs[g.rng.IntN(len(envs))] + "-" + systems[g.rng.IntN(len(systems))] + "-" + kinds[g.rng.IntN(len(kinds))]
		if g.rng.IntN(3) == 0 {
			n += "-" + strconv.Itoa(g.rng.IntN(100))
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	g.vaults = make([]vault, nVaults)
	for i := range g.vaults {
		name := fmt.Sprintf("kv-%s-%s-%03d", apps[i%len(apps)], envs[(i/len(apps))%len(envs)], i)
		if len(name) > 24 {
			name = name[:24]
		}
		sub := fmt.Sprintf("%08x-1bf0-4dda-aec3-cb9272f09590", 0x0b1f6471+i%7)
		g.vaults[i] = vault{
			id:   fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-%s-%d/providers/Microsoft.KeyVault/vaults/%s", sub, apps[i%len(apps)], i%37, name),
			name: name, host: name + ".vault.azure.net",
		}
	}
	for i, n := range names {
		v := &g.vaults[i%nVaults]
		typ := []string{"secret", "secret", "secret", "key", "key", "certificate"}[g.rng.IntN(6)]
		v.decoys = append(v.decoys, object{n, typ})
	}
	for i := range g.vaults {
		v := &g.vaults[i]
		decoy := map[string]bool{}
		for _, d := range v.decoys {
			decoy[strings.ToLower(d.name)] = true
		}
		for len(v.normal) < 25 {
			n := apps[g.rng.IntN(len(apps))] + "-" + parts[g.rng.IntN(len(parts))] + "-" + parts[g.rng.IntN(len(parts))]
			if g.rng.IntN(2) == 0 {
				n += "-" + strconv.Itoa(g.rng.IntN(10))
			}
			if !decoy[n] {
				v.normal = append(v.normal, object{n, []string{"secret", "secret", "secret", "key", "certificate"}[g.rng.IntN(5)]})
			}
		}
	}
	g.callers = make([]caller, 300)
	for i := range g.callers {
		c := caller{oid: uuid(g.rng), appid: uuid(g.rng), ip: fmt.Sprintf("10.%d.%d.%d", g.rng.IntN(256), g.rng.IntN(256), g.rng.IntN(256))}
		if i%3 != 0 {
			c.upn = fmt.Sprintf("user%03d@contoso.com", i)
		}
		g.callers[i] = c
	}
	return names
}

func uuid(rng *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()&(1<<48-1))
}

var collections = map[string]string{"secret": "secrets", "key": "keys", "certificate": "certificates"}

// record writes the next line into g.line.
func (g *gen) record(hitEvery int) {
	g.n++
	v := &g.vaults[g.rng.IntN(len(g.vaults))]
	corr := uuid(g.rng)
	switch r := g.rng.IntN(hitEvery); {
	case r == 0:
		g.hit(v, corr)
	case r == 1:
		g.lookalike(v, corr)
	default:
		g.ordinary(v, corr)
	}
}

func (g *gen) ordinary(v *vault, corr string) {
	o := v.normal[g.rng.IntN(len(v.normal))]
	coll := collections[o.typ]
	base := "https://" + v.host
	status := g.status()
	switch r := g.rng.IntN(100); {
	case r < 10:
		g.emit(v, corr, opName(o.typ, "List"), "", base+"/"+coll+"?api-version=7.4", 200)
	case r < 14:
		g.emit(v, corr, "VaultGet", "", base+"/?api-version=7.4", 200)
	case r < 18:
		g.emit(v, corr, opName(o.typ, "Set"), base+"/"+coll+"/"+o.name+"/"+hex32(g.rng), base+"/"+coll+"/"+o.name+"?api-version=7.4", 200)
	case r < 24 && o.typ == "key":
		g.emit(v, corr, "KeySign", base+"/keys/"+o.name+"/"+hex32(g.rng), base+"/keys/"+o.name+"/"+hex32(g.rng)+"/sign?api-version=7.4", status)
	default:
		id := ""
		if status == 200 {
			id = base + "/" + coll + "/" + o.name + "/" + hex32(g.rng)
		}
		g.emit(v, corr, opName(o.typ, "Get"), id, base+"/"+coll+"/"+o.name+"/?api-version=7.4", status)
	}
}

// hit writes a true decoy access in one of the spellings callers use.
func (g *gen) hit(v *vault, corr string) {
	d := v.decoys[g.rng.IntN(len(v.decoys))]
	typ := d.typ
	if typ == "certificate" && g.rng.IntN(2) == 0 {
		typ = []string{"key", "secret"}[g.rng.IntN(2)] // its private key or PFX
	}
	coll := collections[typ]
	host := "https://" + v.host
	name := d.name
	op := opName(typ, "Get")
	status := g.status()
	id := ""
	switch r := g.rng.IntN(20); {
	case r < 3:
		name = strings.ToUpper(name)
	case r < 5:
		host += ":443"
	case r < 7:
		name += "/" + hex32(g.rng)
	case r < 9:
		name = percentEncode(g.rng, name)
		g.enc++
	case r < 10:
		coll = "deleted" + coll
		op = opName(typ, "GetDeleted")
	case r < 12:
		name += "/versions"
		op = opName(typ, "ListVersions")
	case r < 13:
		name += "/backup"
		op = opName(typ, "Backup")
	default:
		if status == 200 {
			id = "https://" + v.host + "/" + collections[typ] + "/" + d.name + "/" + hex32(g.rng)
		}
	}
	g.emit(v, corr, op, id, host+"/"+coll+"/"+name+"/?api-version=7.4", status)
	g.corrs = append(g.corrs, corr)
}

// lookalike writes a record that contains a decoy's name but touches no decoy.
func (g *gen) lookalike(v *vault, corr string) {
	g.look++
	d := v.decoys[g.rng.IntN(len(v.decoys))]
	base := "https://" + v.host
	switch g.rng.IntN(3) {
	case 0: // a name that starts or ends with the decoy's
		name := []string{d.name + "-old", "old-" + d.name, d.name + "2"}[g.rng.IntN(3)]
		g.emit(v, corr, opName(d.typ, "Get"), "", base+"/"+collections[d.typ]+"/"+name+"/?api-version=7.4", 404)
	case 1: // the same name in a vault where it is no decoy
		o := &g.vaults[(indexOf(g.vaults, v)+1)%len(g.vaults)]
		for _, od := range o.decoys {
			if strings.EqualFold(od.name, d.name) {
				g.ordinary(v, corr)
				return
			}
		}
		g.emit(o, corr, opName(d.typ, "Get"), "", "https://"+o.host+"/"+collections[d.typ]+"/"+d.name+"/?api-version=7.4", 404)
	default: // another type of the same name (a certificate reaches its key and secret, so skip those)
		if d.typ == "certificate" {
			g.emit(v, corr, "CertificateGet", "", base+"/certificates/"+d.name+"-v2/?api-version=7.4", 404)
			return
		}
		other := map[string]string{"secret": "key", "key": "secret"}[d.typ]
		g.emit(v, corr, opName(other, "Get"), "", base+"/"+collections[other]+"/"+d.name+"/?api-version=7.4", 404)
	}
}

func indexOf(vs []vault, v *vault) int {
	for i := range vs {
		if &vs[i] == v {
			return i
		}
	}
	return 0
}

func (g *gen) status() int {
	switch r := g.rng.IntN(100); {
	case r < 90:
		return 200
	case r < 95:
		return 403
	case r < 98:
		return 404
	}
	return 401
}

func opName(typ, verb string) string {
	return map[string]string{"secret": "Secret", "key": "Key", "certificate": "Certificate"}[typ] + verb
}

func hex32(rng *rand.Rand) string { return fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()) }

// percentEncode encodes a few of name's bytes, at least one in the middle,
// so that the name no longer appears literally.
func percentEncode(rng *rand.Rand, name string) string {
	var b strings.Builder
	mid := len(name) / 2
	for i := 0; i < len(name); i++ {
		if i == mid || rng.IntN(4) == 0 {
			fmt.Fprintf(&b, "%%%02X", name[i])
		} else {
			b.WriteByte(name[i])
		}
	}
	return b.String()
}

var signatures = map[int]string{200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}

// emit writes one AuditEvent record as the storage archive does.
func (g *gen) emit(v *vault, corr, op, id, uri string, status int) {
	c := g.callers[g.rng.IntN(len(g.callers))]
	b := g.line[:0]
	b = append(b, `{ "time": "2026-11-20T`...)
	b = fmt.Appendf(b, "%02d:%02d:%02d.%07dZ", g.n/3600000%24, g.n/60000%60, g.n/1000%60, g.rng.IntN(10_000_000))
	b = append(b, `", "resourceId": "`...)
	b = append(b, strings.ToUpper(v.id)...)
	b = append(b, `", "operationName": "`...)
	b = append(b, op...)
	b = append(b, `", "operationVersion": "7.4", "category": "AuditEvent", "resultType": "Success", "resultSignature": "`...)
	b = append(b, signatures[status]...)
	b = append(b, `", "resultDescription": "", "durationMs": "`...)
	b = strconv.AppendInt(b, int64(5+g.rng.IntN(80)), 10)
	b = append(b, `", "callerIpAddress": "`...)
	b = append(b, c.ip...)
	b = append(b, `", "correlationId": "`...)
	b = append(b, corr...)
	b = append(b, `", "identity": {"claim":{"oid":"`...)
	b = append(b, c.oid...)
	if c.upn != "" {
		b = append(b, `","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"`...)
		b = append(b, c.upn...)
	}
	b = append(b, `","appid":"`...)
	b = append(b, c.appid...)
	b = append(b, `","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47"}}, "properties": {`...)
	if id != "" {
		b = append(b, `"id":"`...)
		b = append(b, id...)
		b = append(b, `",`...)
	}
	b = append(b, `"clientInfo":"`...)
	b = append(b, agents[g.rng.IntN(len(agents))]...)
	b = append(b, `","requestUri":"`...)
	b = append(b, uri...)
	b = append(b, `","httpStatusCode":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"isAccessPolicyMatch":true,"tlsVersion":"TLS1_2"}}`...)
	b = append(b, '\n')
	g.line = b
}

func writeWatchlist(path string, vaults []vault) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	w.Write([]string{"ResourceProvider", "ResourceId", "HoneyToken", "Properties"})
	for _, v := range vaults {
		for _, d := range v.decoys {
			w.Write([]string{"Microsoft.KeyVault", v.id, d.name, `{"Type":"` + d.typ + `"}`})
		}
	}
	w.Flush()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func writeDecoyMap(path string, vaults []vault) {
	m := map[string]string{}
	for _, v := range vaults {
		for _, d := range v.decoys {
			m[strings.ToLower(v.name)+"|"+strings.ToLower(d.name)] = d.typ
		}
	}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
}

func writeLines(path string, lines []string) {
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
}
