package lab

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/client"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// DefaultWait is how long Selftest waits for each incident and notification.
// Detection takes well under a second; the rest is headroom for slow
// machines.
const DefaultWait = 30 * time.Second

// pollEvery is how often Selftest asks the incidents API: often enough that
// seconds_to_incident is accurate to a few hundredths.
const pollEvery = 20 * time.Millisecond

// Report is Selftest's result; its JSON is SPEC.md's
// {"ok": bool, "checks": [{operation, token, vault, caller, incident_id, seconds_to_incident}]}.
type Report struct {
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
	// Caller is who made the accesses (for people).
	Caller string `json:"-"`
	// Extra are the checks beyond the accesses' own: the webhook received
	// the incidents, the planter raised none.
	Extra []Outcome `json:"-"`
	// Problems say what failed, one sentence each.
	Problems []string `json:"-"`
}

// Check is one move of the selftest — an access of the original's test,
// or the cover-tracks deletion of a diagnostic setting — and the incident
// it became. A deletion's Operation is
// MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE and its Token is "": it
// touches no decoy, and honeyvault's alert names none (the text report
// names the setting). IncidentID and SecondsToIncident are null when no
// incident came.
type Check struct {
	Operation         string   `json:"operation"`
	Token             string   `json:"token"`
	Vault             string   `json:"vault"`
	Caller            string   `json:"caller"`
	IncidentID        *int64   `json:"incident_id"`
	SecondsToIncident *float64 `json:"seconds_to_incident"`

	tokenType registry.Type
	setting   string // the deleted diagnostic setting, for a tamper move
	use       string // what a canary move called, without the credential
	ok        bool
}

// what names the check's move for people.
func (c Check) what() string {
	if c.Operation == opDiagnosticSettingsDelete {
		return fmt.Sprintf("deleting diagnostic setting %s of %s", c.setting, c.Vault)
	}
	if c.use != "" {
		return fmt.Sprintf("%s: using the value of secret %s in %s (%s)", c.Operation, c.Token, c.Vault, c.use)
	}
	return fmt.Sprintf("%s of %s %s in %s", c.Operation, c.tokenType, c.Token, c.Vault)
}

// Outcome is one further check of the selftest.
type Outcome struct {
	OK     bool
	What   string
	Detail string
}

func (r *Report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// Selftest brings a lab up (in a temporary directory unless opts.Dir is
// set; on a free port unless opts.Listen is), runs the original solution's
// own test as an outside identity — download the public key of a decoy key,
// read a decoy secret —, then covers its tracks as lab attack does (deletes
// a decoy vault's diagnostic setting, in another vault when there is one,
// so that the accesses' audit logs still flow, and reads a decoy there),
// and waits for honeyvault's incidents. The report is OK only if every
// access and the deletion became an incident naming its operation, the
// caller and the vault, a webhook received each incident with a valid
// signature, and the planter's own work raised none. Then, as lab attack's
// step 5, it reads a decoy secret carrying a canary of each kind and uses
// the value — an HTTP request, a DNS lookup sent to the lab's DNS
// listener, a pgx connection — and checks each use became an incident too
// (operation canary:http, canary:dns, canary:postgres; caller the address
// the listener saw). Last, as lab attack's step 6, it reads a decoy in the
// lab's Vault server (KV v2, the official client) and GetSecretValue's one
// in its Secrets Manager (aws-sdk-go-v2), checks operation vault:read and
// GetSecretValue, whose alerts must name the identity's Vault entity or
// role session ARN and the mount or region. The error is for a lab that
// could not run at all. Any number of vaults will do: with fewer than three
// the outside identities may read, one holds a canary of several kinds
// (canariesFor).
func Selftest(ctx context.Context, opts Options) (*Report, error) {
	secret := rand.Text()
	rcv, err := newReceiver(secret)
	if err != nil {
		return nil, fmt.Errorf("lab: selftest webhook receiver: %w", err)
	}
	defer rcv.close()
	opts.NotifyWebhooks = append(slices.Clone(opts.NotifyWebhooks), rcv.url)
	opts.WebhookSecret = secret
	opts.Listen = cmp.Or(opts.Listen, "127.0.0.1:0")
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "honeyvault-lab-")
		if err != nil {
			return nil, fmt.Errorf("lab: %w", err)
		}
		defer os.RemoveAll(dir)
		opts.Dir = dir
	}
	wait := cmp.Or(opts.wait, DefaultWait)

	l, err := Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	a, err := newAttacker(l.state, "")
	if err != nil {
		return nil, err
	}
	defer a.close()

	rep := &Report{Checks: []Check{}, Caller: fmt.Sprintf("%s from %s", a.who(), a.id.IP)}
	targets := originalTest(l.state.Vaults, false)
	var pending []*pendingCheck
	for _, want := range []registry.Type{registry.Key, registry.Secret} {
		i := slices.IndexFunc(targets, func(t target) bool { return t.typ == want })
		if i < 0 {
			rep.problem("no decoy %s to touch: the lab planted none in a vault %s may read", want, a.who())
			continue
		}
		t := targets[i]
		acc := a.touch(ctx, t)
		c := Check{Operation: acc.Operation, Token: t.name, Vault: t.vault.Name, Caller: a.who(), tokenType: t.typ}
		if acc.Err != nil {
			rep.problem("%s of %s %s in %s did not succeed: %s", acc.Operation, t.typ, t.name, t.vault.Name, acc.outcome())
		}
		pending = append(pending, &pendingCheck{Check: c, vaultID: t.vault.ID, callerID: a.id.ObjectID, at: acc.At, accessOK: acc.Err == nil})
	}
	if p := rep.coverTracks(ctx, a, l.state.Vaults, targets); p != nil {
		pending = append(pending, p)
	}
	pending = append(pending, rep.useCanaries(ctx, a, l.state)...)
	pending = append(pending, rep.readStores(ctx, a, l.state)...)
	deadline := time.Now().Add(wait)
	hv, err := client.New(l.URL(), l.AdminToken())
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hv.HTTP = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	if len(pending) > 0 {
		if err := awaitIncidents(ctx, hv, pending, deadline); err != nil {
			return nil, err
		}
	}
	var ids []int64
	for _, p := range pending {
		c := p.Check
		switch {
		case p.found:
			id, secs := p.incident, p.seenAt.Sub(p.at).Seconds()
			secs = math.Round(max(secs, 0)*1000) / 1000
			c.IncidentID, c.SecondsToIncident = &id, &secs
			c.Caller = p.namedCaller
			c.ok = p.accessOK
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		case p.why != "":
			rep.problem("%s: %s", c.what(), p.why)
		default:
			rep.problem("%s became no incident within %s", c.what(), wait)
		}
		rep.Checks = append(rep.Checks, c)
	}
	if len(ids) > 0 {
		rep.webhook(ctx, rcv, ids, deadline)
	}
	if err := rep.planterQuiet(ctx, hv, l); err != nil {
		return nil, err
	}
	rep.OK = len(rep.Problems) == 0 && len(rep.Checks) == 3+len(canary.Kinds)+2
	for _, c := range rep.Checks {
		rep.OK = rep.OK && c.ok
	}
	return rep, nil
}

// pendingCheck is a check waiting for its incident.
type pendingCheck struct {
	Check
	vaultID  string
	callerID string
	// callerIP, when set, is the address the alert must name instead of
	// an object id: a canary use has no identity, only where it came from.
	callerIP string
	at       time.Time // when the vault answered the access
	accessOK bool

	found       bool
	incident    int64
	seenAt      time.Time
	namedCaller string
	why         string // the nearest miss, when no incident matched
}

// awaitIncidents polls the incidents API until every check has its
// incident or the deadline passes. An incident's alerts are read again only
// when its alert count changed.
func awaitIncidents(ctx context.Context, hv *client.Client, checks []*pendingCheck, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	read := map[int64]int{}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		list, err := hv.ListIncidents(ctx, client.IncidentQuery{Limit: 100})
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("lab: incidents API: %w", err)
		}
		seen := time.Now()
		for _, inc := range list.Incidents {
			if read[inc.ID] == inc.AlertCount {
				continue
			}
			d, err := hv.GetIncident(ctx, inc.ID, "")
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				return fmt.Errorf("lab: incidents API: %w", err)
			}
			read[inc.ID] = inc.AlertCount
			for _, p := range checks {
				if p.found {
					continue
				}
				for _, al := range d.Alerts {
					ok, why := p.matches(d.Incident, al)
					if ok {
						p.found, p.incident, p.seenAt = true, inc.ID, seen
						p.namedCaller = cmp.Or(al.Caller.UPN, al.Caller.ObjectID, al.Caller.IP)
						break
					}
					p.why = cmp.Or(why, p.why)
				}
			}
		}
		if !slices.ContainsFunc(checks, func(p *pendingCheck) bool { return !p.found }) {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			if err := context.Cause(ctx); err != nil && time.Now().Before(deadline) {
				return err // the caller's context ended, not the wait
			}
			return nil
		}
	}
}

// matches reports whether alert al of incident inc is the check's access,
// named as it must be: the operation, the decoy, the caller (object id)
// and the vault, on the alert and on the incident. When the alert is about
// the same decoy access but misnames something, why says what.
func (p *pendingCheck) matches(inc api.Incident, al api.Alert) (ok bool, why string) {
	if !strings.EqualFold(al.Token, p.Token) || !strings.EqualFold(al.TokenType, string(p.tokenType)) {
		return false, ""
	}
	if !strings.EqualFold(al.Operation, p.Operation) {
		return false, ""
	}
	if al.Suppressed {
		return false, fmt.Sprintf("the alert of incident #%d was suppressed by an allow rule (%s)", inc.ID, al.AllowedBy)
	}
	if p.callerIP != "" && al.Caller.IP != p.callerIP {
		return false, fmt.Sprintf("incident #%d names address %q, not %s", inc.ID, al.Caller.IP, p.callerIP)
	}
	if p.callerIP == "" && !strings.EqualFold(al.Caller.ObjectID, p.callerID) && !strings.EqualFold(al.Caller.UPN, p.callerID) {
		return false, fmt.Sprintf("incident #%d names caller %q, not %s", inc.ID, cmp.Or(al.Caller.UPN, al.Caller.ObjectID), p.Caller)
	}
	for _, v := range []struct{ name, id string }{{al.Vault, al.VaultID}, {inc.Vault, inc.VaultID}} {
		if !strings.EqualFold(v.name, p.Vault) || !strings.EqualFold(strings.TrimRight(v.id, "/"), p.vaultID) {
			return false, fmt.Sprintf("incident #%d names vault %q (%s), not %s", inc.ID, v.name, v.id, p.Vault)
		}
	}
	return true, ""
}

// webhook checks that the webhook received every incident, signed.
func (r *Report) webhook(ctx context.Context, rcv *receiver, ids []int64, deadline time.Time) {
	got, signed := rcv.wait(ctx, ids, deadline)
	var missing, unsigned, ok []string
	for _, id := range ids {
		s := fmt.Sprintf("#%d", id)
		switch {
		case !got[id]:
			missing = append(missing, s)
		case !signed[id]:
			unsigned = append(unsigned, s)
		default:
			ok = append(ok, s)
		}
	}
	o := Outcome{OK: len(missing)+len(unsigned) == 0, What: "webhook"}
	switch {
	case len(missing) > 0:
		o.Detail = "received no notification of incident " + strings.Join(missing, ", ")
		r.problem("the webhook %s", o.Detail)
	case len(unsigned) > 0:
		o.Detail = "received incident " + strings.Join(unsigned, ", ") + " without a valid X-Honeyvault-Signature"
		r.problem("the webhook %s", o.Detail)
	default:
		o.Detail = "received incident " + strings.Join(ok, ", ") + ", signed (X-Honeyvault-Signature verified)"
	}
	r.Extra = append(r.Extra, o)
}

// planterQuiet checks that planting raised no incident: the planter's own
// creates are allow-listed, in Key Vault and in the Vault server and AWS
// account, where an alert names the planter by its token's entity or its
// ARN.
func (r *Report) planterQuiet(ctx context.Context, hv *client.Client, l *Lab) error {
	list, err := hv.ListIncidents(ctx, client.IncidentQuery{Limit: 100})
	if err != nil {
		return fmt.Errorf("lab: incidents API: %w", err)
	}
	planters := []string{planter.ObjectID, planter.UPN, vaultPlanter.EntityID, l.awsPlanter.ARN}
	o := Outcome{OK: true, What: "planter", Detail: "planting decoys raised no incident (" + planter.UPN + "'s creates are allow-listed, and so are " +
		vaultPlanter.DisplayName + "'s in Vault and " + l.awsPlanter.ARN + "'s in Secrets Manager)"}
	for _, inc := range list.Incidents {
		by := slices.ContainsFunc(planters, func(p string) bool { return strings.EqualFold(inc.Caller, p) })
		if !by && l.isStore(inc.VaultID) {
			// An AWS incident's caller key is the principal's id, which
			// the lab does not know: the alerts name the ARN.
			d, err := hv.GetIncident(ctx, inc.ID, "")
			if err != nil {
				return fmt.Errorf("lab: incidents API: %w", err)
			}
			by = slices.ContainsFunc(d.Alerts, func(al api.Alert) bool {
				return slices.ContainsFunc(planters, func(p string) bool {
					return strings.EqualFold(al.Caller.ObjectID, p) || strings.EqualFold(al.Caller.UPN, p)
				})
			})
		}
		if by {
			o.OK = false
			o.Detail = fmt.Sprintf("incident #%d was raised by the planter's own work", inc.ID)
			r.problem("%s", o.Detail)
			break
		}
	}
	r.Extra = append(r.Extra, o)
	return nil
}
