package lab

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/miekg/dns"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// useTimeout bounds one use of a canary value: the listeners answer at
// once, the rest is headroom for a loaded machine.
const useTimeout = 30 * time.Second

// canaryUse is a decoy secret's value read from its vault, then used
// outside Key Vault the way its shape invites: a request to the URL, a
// lookup of the host, a connection with the connection string.
type canaryUse struct {
	Read   access // the SecretGet that took the value
	Kind   canary.Kind
	Target string    // what was called, without the credential
	Answer string    // what the listener answered
	At     time.Time // when it answered
	Err    error     // the use did not get the listener's answer
}

// canaryTarget is a decoy secret whose value carries a canary of kind.
type canaryTarget struct {
	vault stateVault
	name  string
	kind  canary.Kind
}

// canaryTargets picks, for each kind, a decoy secret carrying it in a
// vault the outside identities may read (with anyVault, in any of
// vaults): the values an intruder would take away.
func canaryTargets(vaults []stateVault, anyVault bool) []canaryTarget {
	var out []canaryTarget
	for _, k := range append(slices.Clone(canary.Kinds), canary.KindEntra) {
	next:
		for _, v := range vaults {
			if !anyVault && v.OutsidersDenied {
				continue
			}
			for _, d := range v.Decoys {
				if d.Type == registry.Secret && d.Canary == k {
					out = append(out, canaryTarget{vault: v, name: d.Name, kind: k})
					break next
				}
			}
		}
	}
	return out
}

// useCanary reads t's value from its vault and uses it against the lab's
// listeners (cs): never anything off this machine.
func (a *attacker) useCanary(ctx context.Context, cs *stateCanaries, t canaryTarget) canaryUse {
	value, read := a.readSecret(ctx, t.vault, t.name)
	u := canaryUse{Read: read, Kind: t.kind}
	if read.Err != nil {
		u.Err = fmt.Errorf("the value could not be read: %w", read.Err)
		return u
	}
	ctx, cancel := context.WithTimeout(ctx, useTimeout)
	defer cancel()
	switch t.kind {
	case canary.KindHTTP:
		u.Target, u.Answer, u.Err = callURL(ctx, value)
	case canary.KindDNS:
		u.Target, u.Answer, u.Err = lookUp(ctx, value, cs)
	case canary.KindPostgres:
		u.Target, u.Answer, u.Err = connectPostgres(ctx, value)
	case canary.KindEntra:
		u.Target, u.Answer, u.Err = a.signInAs(ctx, value)
	}
	u.At = time.Now()
	return u
}

// callURL requests the URL the value is, with its credentials (a
// basic-auth URL's are sent as the header); a storage connection string
// is used as a storage client uses it: a request to its blob endpoint
// signed with its account key.
func callURL(ctx context.Context, value string) (target, answer string, err error) {
	var req *http.Request
	if acct, err := parseStorageConnection(value); err == nil {
		if req, err = acct.listContainersRequest(ctx); err != nil {
			return "", "", err
		}
		target = "list containers of account " + acct.Name + " at " + req.URL.Redacted() + " (SharedKey)"
	} else {
		u, err := url.Parse(strings.TrimSpace(value))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return "", "", errors.New("the value is neither a URL nor a storage connection string")
		}
		if req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil); err != nil {
			return "", "", err
		}
		target = "GET " + u.Redacted()
	}
	if !loopback(req.URL.Host) {
		return target, "", fmt.Errorf("%s is not on this machine: the lab uses values against its own listeners only", req.URL.Host)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return target, "", err
	}
	resp.Body.Close()
	return target, resp.Status, nil
}

// hostIn finds the first host name under zone in a value.
func hostIn(value, zone string) string {
	re := regexp.MustCompile(`(?i)[a-z0-9-]+(\.[a-z0-9-]+)*\.` + regexp.QuoteMeta(zone))
	return re.FindString(value)
}

// lookUp resolves the host the value names under the lab's zone, asking
// the lab's DNS listener as a resolver would (the lab has no resolver of
// its own: the listener is authoritative for the zone).
func lookUp(ctx context.Context, value string, cs *stateCanaries) (target, answer string, err error) {
	host := hostIn(value, cs.Zone)
	if host == "" {
		return "", "", fmt.Errorf("the value names no host under %s", cs.Zone)
	}
	target = "A " + host + " @" + cs.DNS
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(host), dns.TypeA)
	r, _, err := (&dns.Client{Timeout: useTimeout}).ExchangeContext(ctx, q, cs.DNS)
	if err != nil {
		return target, "", err
	}
	return target, dns.RcodeToString[r.Rcode], nil
}

// connectPostgres connects with the value as pgx would be given it: a
// postgres:// URL, or the ADO.NET shape .NET applications keep.
func connectPostgres(ctx context.Context, value string) (target, answer string, err error) {
	dsn := strings.TrimSpace(value)
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		if dsn, err = adoNetToURL(dsn); err != nil {
			return "", "", err
		}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", "", errors.New("the value is not a PostgreSQL connection string")
	}
	target = fmt.Sprintf("connect %s:%d as %s to %s", cfg.Host, cfg.Port, cfg.User, cfg.Database)
	if !loopback(cfg.Host) {
		return target, "", fmt.Errorf("%s is not on this machine: the lab uses values against its own listeners only", cfg.Host)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		conn.Close(ctx)
		return target, "connected", nil
	}
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		return target, "FATAL " + pgErr.SQLState() + " password authentication failed", nil
	}
	return target, "", err
}

// adoNetToURL turns "Server=h;Port=p;Database=d;User Id=u;Password=pw;"
// into a postgres:// URL.
func adoNetToURL(s string) (string, error) {
	kv := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if ok {
			kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	if kv["server"] == "" {
		return "", errors.New("the value is not a PostgreSQL connection string")
	}
	host := kv["server"]
	if p := kv["port"]; p != "" {
		host += ":" + p
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(kv["user id"], kv["password"]), Host: host, Path: "/" + kv["database"],
		RawQuery: "sslmode=prefer&connect_timeout=10"}
	return u.String(), nil
}

// accepted reports whether the listener answered as the service it
// imitates does: the use reached it.
func (u canaryUse) accepted() bool {
	switch u.Kind {
	case canary.KindHTTP:
		return strings.HasPrefix(u.Answer, "401") || strings.HasPrefix(u.Answer, "403")
	case canary.KindDNS:
		return u.Answer == "NXDOMAIN"
	case canary.KindEntra:
		return strings.HasPrefix(u.Answer, "signed in") || strings.HasPrefix(u.Answer, "refused: ")
	}
	return strings.Contains(u.Answer, "28P01")
}

// useCanaries makes the selftest's canary moves — lab attack's step 5 —:
// for each kind, a decoy secret carrying it is read and its value used
// against the lab's listener. Each is a check whose caller is the address
// the listener saw (loopback); a kind with no decoy to read is a problem.
func (r *Report) useCanaries(ctx context.Context, a *attacker, st *state) []*pendingCheck {
	if st.Canaries == nil {
		r.problem("the lab runs no canary listeners")
		return nil
	}
	targets := canaryTargets(st.Vaults, false)
	var out []*pendingCheck
	for _, k := range canary.Kinds {
		i := slices.IndexFunc(targets, func(t canaryTarget) bool { return t.kind == k })
		if i < 0 {
			r.problem("no decoy secret carrying a %s canary in a vault %s may read", k, a.who())
			continue
		}
		t := targets[i]
		u := a.useCanary(ctx, st.Canaries, t)
		ok := u.Err == nil && u.accepted()
		if !ok {
			r.problem("%s: using the value of secret %s in %s did not reach the listener: %s", k.Operation(), t.name, t.vault.Name, cmp.Or(errText(u.Err), u.Answer))
		}
		c := Check{Operation: k.Operation(), Token: t.name, Vault: t.vault.Name, Caller: useAddress, tokenType: registry.Secret, use: u.Target}
		out = append(out, &pendingCheck{Check: c, vaultID: t.vault.ID, callerIP: useAddress, at: u.At, accessOK: ok})
	}
	return out
}

// useAddress is where the lab's uses come from, as the listeners see them.
const useAddress = "127.0.0.1"

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
