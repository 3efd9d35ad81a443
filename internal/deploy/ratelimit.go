package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/time/rate"

	"github.com/honeyvault/honeyvault/internal/azure"
)

// Limits are the Key Vault service limits the planter stays under
// (reference: per vault and 10 s, secret creates 300, software RSA/EC key
// creates 20, HSM key creates 10, everything else 4,000; a subscription
// gets five times a vault's). Zero fields take Azure's values.
type Limits struct {
	Window             time.Duration
	SecretCreate       int
	KeyCreate          int
	HSMKeyCreate       int
	Other              int
	SubscriptionFactor int
	// Headroom is the share of each limit honeyvault uses, leaving the
	// rest to the vault's own workloads and to clock differences; 0 means
	// 0.9.
	Headroom float64
}

// DefaultLimits are Azure's published limits with 10% headroom.
func DefaultLimits() Limits {
	return Limits{Window: 10 * time.Second, SecretCreate: 300, KeyCreate: 20, HSMKeyCreate: 10, Other: 4000, SubscriptionFactor: 5, Headroom: 0.9}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, def *int }{{&l.SecretCreate, &d.SecretCreate}, {&l.KeyCreate, &d.KeyCreate},
		{&l.HSMKeyCreate, &d.HSMKeyCreate}, {&l.Other, &d.Other}, {&l.SubscriptionFactor, &d.SubscriptionFactor}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if l.Window == 0 {
		l.Window = d.Window
	}
	if l.Headroom == 0 {
		l.Headroom = d.Headroom
	}
	return l
}

// Validate reports a limit that cannot work.
func (l Limits) Validate() error {
	l = l.withDefaults()
	if l.Window < 0 || l.SecretCreate < 0 || l.KeyCreate < 0 || l.HSMKeyCreate < 0 || l.Other < 0 || l.SubscriptionFactor < 0 {
		return errors.New("deploy: rate limits must not be negative")
	}
	if l.Headroom <= 0 || l.Headroom > 1 {
		return fmt.Errorf("deploy: rate headroom %v: want more than 0 and at most 1", l.Headroom)
	}
	return nil
}

// class is which Key Vault limit a request counts against.
type class int

const (
	classOther class = iota
	classSecretCreate
	classKeyCreate
	classHSMKeyCreate
	numClasses
)

func (l Limits) of(c class) int {
	switch c {
	case classSecretCreate:
		return l.SecretCreate
	case classKeyCreate:
		return l.KeyCreate
	case classHSMKeyCreate:
		return l.HSMKeyCreate
	}
	return l.Other
}

// bucket returns a token bucket that never lets more than headroom × limit
// requests through in any window: a bucket of burst b refilled at r per
// second admits at most b + r·W requests in any span of W, so b + r·W is
// kept at the budget, with b a tenth of it (at least 1).
func bucket(limit int, window time.Duration, headroom float64) *rate.Limiter {
	budget := int(float64(limit) * headroom)
	if budget < 1 {
		budget = 1
	}
	burst := max(budget/10, 1)
	// A budget of one cannot keep b + r·W at 1; a token per window is the
	// closest (two requests exactly a window apart).
	refill := float64(max(budget-burst, 1)) / window.Seconds()
	return rate.NewLimiter(rate.Limit(refill), burst)
}

// Limiter paces requests per vault and per subscription so that planting
// stays under Key Vault's limits, and holds a vault back for as long as a
// 429 asks. Every attempt is paced, the SDK's own retries included, because
// it sits in each vault client's pipeline (see Policy). Safe for concurrent
// use.
type Limiter struct {
	limits Limits
	mu     sync.Mutex
	vaults map[string]*buckets
	subs   map[string]*buckets

	throttled atomic.Int64 // 429 answers seen
	requests  atomic.Int64 // attempts sent

	// sleep waits (tests replace it to skip long Retry-After waits).
	sleep func(ctx context.Context, d time.Duration) error
}

type buckets struct {
	classes [numClasses]*rate.Limiter
	mu      sync.Mutex
	hold    time.Time // no request before this (a 429's Retry-After)
}

// NewLimiter returns a limiter for the limits.
func NewLimiter(l Limits) (*Limiter, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return &Limiter{limits: l.withDefaults(), vaults: map[string]*buckets{}, subs: map[string]*buckets{}, sleep: sleepCtx}, nil
}

// Limits returns the limiter's limits with defaults filled in.
func (l *Limiter) Limits() Limits { return l.limits }

// Stats reports how many attempts went out and how many got a 429.
func (l *Limiter) Stats() (requests, throttled int64) { return l.requests.Load(), l.throttled.Load() }

func (l *Limiter) bucketsFor(m map[string]*buckets, key string, factor int) *buckets {
	l.mu.Lock()
	defer l.mu.Unlock()
	key = strings.ToLower(key)
	b := m[key]
	if b == nil {
		b = &buckets{}
		for c := range numClasses {
			b.classes[c] = bucket(l.limits.of(c)*factor, l.limits.Window, l.limits.Headroom)
		}
		m[key] = b
	}
	return b
}

// Policy returns the pipeline policy for one vault's data-plane client
// (azure.Client.DataPlane takes it).
func (l *Limiter) Policy(v azure.Vault) policy.Policy {
	return &limitPolicy{l: l,
		vault: l.bucketsFor(l.vaults, v.ID, 1),
		sub:   l.bucketsFor(l.subs, v.SubscriptionID, l.limits.SubscriptionFactor),
	}
}

// Hold keeps every request to the vault back until d from now (a 429's
// Retry-After seen elsewhere).
func (l *Limiter) Hold(v azure.Vault, d time.Duration) {
	l.bucketsFor(l.vaults, v.ID, 1).holdFor(d)
}

func (b *buckets) holdFor(d time.Duration) {
	until := time.Now().Add(d)
	b.mu.Lock()
	if until.After(b.hold) {
		b.hold = until
	}
	b.mu.Unlock()
}

func (b *buckets) heldFor() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Until(b.hold)
}

type limitPolicy struct {
	l          *Limiter
	vault, sub *buckets
}

// Do implements policy.Policy.
func (p *limitPolicy) Do(req *policy.Request) (*http.Response, error) {
	ctx := req.Raw().Context()
	if d := p.vault.heldFor(); d > 0 {
		if err := p.l.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	c := classify(req)
	if err := p.vault.classes[c].Wait(ctx); err != nil {
		return nil, err
	}
	if err := p.sub.classes[c].Wait(ctx); err != nil {
		return nil, err
	}
	p.l.requests.Add(1)
	resp, err := req.Next()
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		p.l.throttled.Add(1)
		d := azure.RetryAfterHeader(resp.Header, time.Now())
		if d <= 0 {
			d = time.Second
		}
		p.vault.holdFor(d)
	}
	return resp, err
}

// classify says which limit a data-plane request counts against, from its
// method and path (and, for key and certificate creates, the key type in
// the body: HSM keys have their own, lower limit).
func classify(req *policy.Request) class {
	r := req.Raw()
	segs := strings.Split(strings.Trim(strings.ToLower(r.URL.Path), "/"), "/")
	switch {
	case r.Method == http.MethodPut && len(segs) == 2 && segs[0] == "secrets":
		return classSecretCreate // SecretSet
	case r.Method == http.MethodPost && len(segs) == 2 && segs[1] == "restore":
		return classSecretCreate // secret, key and certificate restores count as secret creates
	case r.Method == http.MethodPut && len(segs) == 2 && segs[0] == "keys":
		return classSecretCreate // KeyImport
	case r.Method == http.MethodPost && len(segs) == 3 && segs[0] == "certificates" && segs[2] == "import":
		return classSecretCreate
	case r.Method == http.MethodPost && len(segs) == 3 && (segs[0] == "keys" || segs[0] == "certificates") && segs[2] == "create",
		r.Method == http.MethodPost && len(segs) == 3 && segs[0] == "keys" && segs[2] == "rotate":
		if hsmBody(req) {
			return classHSMKeyCreate
		}
		return classKeyCreate
	}
	return classOther
}

// hsmBody reports whether a create request asks for an HSM key, reading
// the body and rewinding it for the request.
func hsmBody(req *policy.Request) bool {
	body := req.Body()
	if body == nil {
		return false
	}
	b, err := io.ReadAll(io.LimitReader(body, 1<<16))
	if rerr := req.RewindBody(); rerr != nil || err != nil {
		return false
	}
	var v struct {
		Kty    string `json:"kty"`
		Policy struct {
			KeyProps struct {
				Kty string `json:"kty"`
			} `json:"key_props"`
		} `json:"policy"`
	}
	if json.NewDecoder(bytes.NewReader(b)).Decode(&v) != nil {
		return false
	}
	return strings.HasSuffix(strings.ToUpper(v.Kty), "-HSM") || strings.HasSuffix(strings.ToUpper(v.Policy.KeyProps.Kty), "-HSM")
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
