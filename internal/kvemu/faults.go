package kvemu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults configure the trouble one vault makes. The zero value injects no
// faults and applies Azure's default service limits.
type Faults struct {
	// ThrottleRate is the fraction (0-1) of requests answered 429 before
	// they run; ThrottleNext throttles exactly the next n requests (handy
	// for deterministic tests). RetryAfter is the Retry-After they carry;
	// zero means one second.
	ThrottleRate float64
	ThrottleNext int
	RetryAfter   time.Duration
	// ServerErrorRate is the fraction of requests answered with
	// ServerErrorStatus (zero means 503); ServerErrorNext fails exactly the
	// next n requests.
	ServerErrorRate   float64
	ServerErrorNext   int
	ServerErrorStatus int
	// CreateErrorNext fails exactly the next n creates (secret sets and
	// restores, key and certificate creates and imports), and nothing
	// else, with ServerErrorStatus before they run; CreateAnswerLostNext
	// runs the next n creates and then answers each with
	// ServerErrorStatus, as when the answer of a write that happened is
	// lost: a 5xx leaves it open whether a write ran, and a client must
	// find out.
	CreateErrorNext, CreateAnswerLostNext int
	// Latency is added to every request of the vault.
	Latency time.Duration
	// Seed, when non-zero, makes the rate-based faults repeatable: the
	// vault draws from its own generator seeded with it.
	Seed uint64
	// Limits are the vault's per-window transaction limits.
	Limits Limits
}

// Limits are Key Vault's service limits per vault and window (reference
// §3). Zero fields take Azure's values; a negative field disables that
// limit. Windows are counted on the emulator's clock (Options.Now).
type Limits struct {
	SecretCreate int           // secret sets and restores, key and certificate imports; Azure: 300
	KeyCreate    int           // software RSA/EC key and certificate creates; Azure: 20
	HSMKeyCreate int           // HSM key creates; Azure: 10
	Other        int           // every other transaction; Azure: 4,000 (load tests above 400/s per vault set -1)
	Window       time.Duration // Azure: 10 s
	// SubscriptionFactor scales each limit for all the vaults of one
	// subscription in one region together; zero means Azure's 5, negative
	// disables the subscription limits.
	SubscriptionFactor int
}

// limitClass is which limit a transaction counts against.
type limitClass int

const (
	classOther limitClass = iota
	classSecretCreate
	classKeyCreate
	classHSMKeyCreate
	numClasses
)

func (l Limits) max(c limitClass) int {
	pick := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	switch c {
	case classSecretCreate:
		return pick(l.SecretCreate, 300)
	case classKeyCreate:
		return pick(l.KeyCreate, 20)
	case classHSMKeyCreate:
		return pick(l.HSMKeyCreate, 10)
	}
	return pick(l.Other, 4000)
}

func (l Limits) window() time.Duration {
	if l.Window <= 0 {
		return 10 * time.Second
	}
	return l.Window
}

// limiter counts transactions per class in a sliding window.
type limiter struct {
	hits [numClasses][]time.Time
}

// take records a transaction of class c at now if the window has room;
// otherwise it returns how long until it would.
func (l *limiter) take(lim Limits, c limitClass, now time.Time) (ok bool, wait time.Duration) {
	max := lim.max(c)
	if max < 0 {
		return true, 0
	}
	win := lim.window()
	hits := l.hits[c]
	cut := 0
	for cut < len(hits) && !hits[cut].After(now.Add(-win)) {
		cut++
	}
	hits = hits[cut:]
	if len(hits) >= max {
		l.hits[c] = hits
		return false, hits[len(hits)-max].Add(win).Sub(now)
	}
	l.hits[c] = append(hits, now)
	return true, 0
}

// faultCounters remember how many of the "next n" faults are used.
type faultCounters struct {
	throttled, failed        int
	createFailed, createLost int
}

// SetFaults replaces a vault's fault configuration.
func (e *Emulator) SetFaults(vaultName string, f Faults) error {
	if f.ThrottleRate < 0 || f.ThrottleRate > 1 || f.ServerErrorRate < 0 || f.ServerErrorRate > 1 {
		return fmt.Errorf("kvemu: fault rates must be within 0-1")
	}
	if f.ServerErrorStatus != 0 && (f.ServerErrorStatus < 500 || f.ServerErrorStatus > 599) {
		return fmt.Errorf("kvemu: server error status %d is not 5xx", f.ServerErrorStatus)
	}
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.faults = f
	v.faultCounts = faultCounters{}
	v.rng = nil
	if f.Seed != 0 {
		v.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	}
	v.mu.Unlock()
	return nil
}

// injectFault decides, before a request runs, whether the vault's faults
// or limits turn it away. It returns the latency to add and the error to
// answer with (nil to go on).
func (v *vault) injectFault(c limitClass, now time.Time) (time.Duration, Limits, *apiError) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f := &v.faults
	draw := rand.Float64
	if v.rng != nil {
		draw = v.rng.Float64
	}
	if v.faultCounts.failed < f.ServerErrorNext || (f.ServerErrorRate > 0 && draw() < f.ServerErrorRate) {
		v.faultCounts.failed++
		status := f.ServerErrorStatus
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		return f.Latency, f.Limits, &apiError{status: status, code: "ServiceUnavailable", message: "The service is temporarily unavailable. Please try again later."}
	}
	if c != classOther && v.faultCounts.createFailed < f.CreateErrorNext {
		v.faultCounts.createFailed++
		return f.Latency, f.Limits, serverError(f)
	}
	if v.faultCounts.throttled < f.ThrottleNext || (f.ThrottleRate > 0 && draw() < f.ThrottleRate) {
		v.faultCounts.throttled++
		ra := f.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		return f.Latency, f.Limits, errThrottled(ra)
	}
	if ok, wait := v.limiter.take(f.Limits, c, now); !ok {
		return f.Latency, f.Limits, errThrottled(wait)
	}
	return f.Latency, f.Limits, nil
}

// loseAnswer reports whether the answer of a create of class c that ran
// is to be lost (Faults.CreateAnswerLostNext), and the error to answer
// with instead.
func (v *vault) loseAnswer(c limitClass) *apiError {
	v.mu.Lock()
	defer v.mu.Unlock()
	if c == classOther || v.faultCounts.createLost >= v.faults.CreateAnswerLostNext {
		return nil
	}
	v.faultCounts.createLost++
	return serverError(&v.faults)
}

// serverError is the answer of a server error fault.
func serverError(f *Faults) *apiError {
	status := f.ServerErrorStatus
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	return &apiError{status: status, code: "ServiceUnavailable", message: "The service is temporarily unavailable. Please try again later."}
}

// regionLimiters count transactions of all the vaults of a subscription in
// a region, against SubscriptionFactor times the vault limits.
type regionLimiters struct {
	mu sync.Mutex
	m  map[string]*limiter // by lower-case "subscription/location"
}

func (r *regionLimiters) take(v *vault, lim Limits, c limitClass, now time.Time) (bool, time.Duration) {
	factor := lim.SubscriptionFactor
	if factor == 0 {
		factor = 5
	}
	if factor < 0 || lim.max(c) < 0 {
		return true, 0
	}
	scaled := Limits{Window: lim.Window}
	switch c {
	case classSecretCreate:
		scaled.SecretCreate = lim.max(c) * factor
	case classKeyCreate:
		scaled.KeyCreate = lim.max(c) * factor
	case classHSMKeyCreate:
		scaled.HSMKeyCreate = lim.max(c) * factor
	default:
		scaled.Other = lim.max(c) * factor
	}
	key := strings.ToLower(v.sub + "/" + v.location)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]*limiter{}
	}
	l := r.m[key]
	if l == nil {
		l = &limiter{}
		r.m[key] = l
	}
	return l.take(scaled, c, now)
}

// errThrottled is Key Vault's 429. Retry-After carries whole seconds as
// Azure sends them; when the wait is not a whole number of seconds the
// emulator adds x-ms-retry-after-ms (which the SDK prefers) so tests with
// millisecond waits stay fast.
func errThrottled(wait time.Duration) *apiError {
	h := http.Header{}
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	h.Set("Retry-After", strconv.Itoa(secs))
	if wait%time.Second != 0 {
		h.Set("x-ms-retry-after-ms", strconv.FormatInt(max(wait.Milliseconds(), 1), 10))
	}
	return &apiError{
		status: http.StatusTooManyRequests, code: "Throttled", header: h,
		message: "Request was not processed because too many requests were received. Reason: A1",
	}
}
