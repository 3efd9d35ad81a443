package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// failoverTTL is the replicas' lease length (cluster.lease_ttl): short, so
// that hand-overs come within seconds.
const failoverTTL = 4 * time.Second

// notified is a webhook receiver that keeps, per idempotency key, how often
// it arrived and the incident and alerts it told of.
type notified struct {
	*httptest.Server
	mu       sync.Mutex
	times    map[string]int      // deliveries per Idempotency-Key
	incident map[string]int64    // key → incident id
	alerts   map[string][]string // key → correlation ids
}

func newNotified(t *testing.T) *notified {
	n := &notified{times: map[string]int{}, incident: map[string]int64{}, alerts: map[string][]string{}}
	n.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Incident struct {
				ID int64 `json:"id"`
			} `json:"incident"`
			Alerts []struct {
				CorrelationID string `json:"correlation_id"`
			} `json:"alerts"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		key := r.Header.Get("Idempotency-Key")
		n.mu.Lock()
		n.times[key]++
		n.incident[key] = body.Incident.ID
		n.alerts[key] = nil
		for _, a := range body.Alerts {
			n.alerts[key] = append(n.alerts[key], a.CorrelationID)
		}
		n.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(n.Close)
	return n
}

// correlations returns every correlation id notified, with how many keys
// told of it.
func (n *notified) correlations() map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]int{}
	for _, ids := range n.alerts {
		for _, id := range ids {
			out[id]++
		}
	}
	return out
}

// replicas is the fleet of the failover test: serve processes on one
// PostgreSQL reading one Kafka topic.
type replicas struct {
	t     *testing.T
	procs []*testenv.Serve
}

// cluster is GET /api/v1/cluster as s answers it.
func (rs *replicas) cluster(s *testenv.Serve) api.Cluster {
	var c api.Cluster
	apiGet(rs.t, s, "/api/v1/cluster", &c)
	return c
}

// idOf is the replica id of process s (host:pid:random).
func (rs *replicas) idOf(s *testenv.Serve) string {
	pid := ":" + strconv.Itoa(s.PID()) + ":"
	c := rs.cluster(s)
	if !strings.Contains(c.Replica, pid) {
		rs.t.Fatalf("the process with pid %d answers as replica %s", s.PID(), c.Replica)
	}
	return c.Replica
}

// scheduler is the scheduler lease as s reads it from the database.
func (rs *replicas) scheduler(s *testenv.Serve) api.ClusterLease {
	for _, l := range rs.cluster(s).Leases {
		if l.Name == "scheduler" {
			return l
		}
	}
	return api.ClusterLease{}
}

// scrape is s's /metrics as an admin sees it.
func scrape(t *testing.T, s *testenv.Serve) string {
	req, _ := http.NewRequest("GET", s.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// pending is how many notifications wait in the outbox, as s's /metrics
// says (the outbox is shared).
func pending(t *testing.T, s *testenv.Serve) int {
	n := 0
	for _, m := range regexp.MustCompile(`(?m)^honeyvault_notify_pending\{[^}]*\} (\d+)`).FindAllStringSubmatch(scrape(t, s), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

// The "done when": three serve processes on one PostgreSQL share a
// Kafka topic of four partitions carrying decoy hits (each its own caller,
// so its own incident) among other records. The leader and a consumer are
// killed (SIGKILL) and the survivor takes the scheduled work and every
// partition over; the two are restarted; then the new leader is paused
// (SIGSTOP) until its lease has passed to another replica and its
// partitions to the others, and resumed (SIGCONT). Afterwards every hit is
// in exactly one incident, every incident was notified under one
// idempotency key delivered exactly once, the paused replica did no
// scheduled work as a stale leader (it only learnt it lost the lease), and
// scheduled work went on under the new leader.
func TestFailoverKillAndPause(t *testing.T) {
	dsn := testenv.Postgres(t)
	kafka, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "kv-audit")) // listens on 127.0.0.1
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kafka.Close)
	producer, err := kgo.NewClient(kgo.SeedBrokers(kafka.ListenAddrs()...), kgo.DefaultProduceTopic("kv-audit"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(producer.Close)
	hook := newNotified(t)

	dir := t.TempDir()
	csv := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n"
	for _, d := range decoys {
		csv += fmt.Sprintf("Microsoft.KeyVault,%s,%s,\"{\"\"Type\"\":\"\"secret\"\"}\"\r\n", vaultID, d)
	}
	watchlist := filepath.Join(dir, "HoneyTokens.csv")
	conf := filepath.Join(dir, "honeyvault.yaml")
	yaml := fmt.Sprintf("ingest:\n  eventhubs:\n    - name: hub\n      brokers: [%s]\n      topic: kv-audit\n      group: honeyvault\n      tls: false\n      session_timeout: 6s\n",
		strings.Join(kafka.ListenAddrs(), ", "))
	if err := os.WriteFile(watchlist, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HONEYVAULT_DB=" + dsn, "HONEYVAULT_ADMIN_TOKEN=" + adminToken, "HONEYVAULT_CONFIG=" + conf,
		"HONEYVAULT_NOTIFY_WEBHOOK=" + hook.URL, "HONEYVAULT_LOG_LEVEL=debug", "HONEYVAULT_DIAGNOSTICS_INTERVAL=off",
		"HONEYVAULT_CLUSTER_LEASE_TTL=" + failoverTTL.String(), "HONEYVAULT_RETENTION_INTERVAL=200ms"}
	// The first imports the decoys; the others find them in the database.
	rs := &replicas{t: t}
	rs.procs = append(rs.procs, testenv.StartServe(t, append(env, "HONEYVAULT_WATCHLIST="+watchlist)))
	rs.procs = append(rs.procs, testenv.StartServe(t, env), testenv.StartServe(t, env))
	t.Cleanup(func() {
		if t.Failed() {
			for i, s := range rs.procs {
				t.Logf("replica %d's log:\n%s", i, s.Logs())
			}
		}
	})

	hits := 0
	produce := func(phase string, n int) {
		t.Helper()
		var recs []*kgo.Record
		for i := range n {
			hits++
			corr := fmt.Sprintf("corr-hit-%d", hits)
			recs = append(recs, &kgo.Record{Key: []byte(corr), Value: []byte(record(decoys[hits%len(decoys)], fmt.Sprintf("attacker-%d", hits), corr))})
			for j := range 5 {
				noise := fmt.Sprintf("corr-%s-%d-%d", phase, i, j)
				recs = append(recs, &kgo.Record{Key: []byte(noise), Value: []byte(record(fmt.Sprintf("app-setting-%d", j), "app-1", noise))})
			}
		}
		if err := producer.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	// settled waits until every hit so far was notified and nothing waits
	// in the outbox, as live replica s sees it.
	settled := func(what string, s *testenv.Serve) {
		t.Helper()
		eventually(t, what, func() bool { return len(hook.correlations()) == hits && pending(t, s) == 0 })
	}
	byID := func(id string) *testenv.Serve {
		for _, s := range rs.procs {
			if rs.idOf(s) == id {
				return s
			}
		}
		t.Fatalf("no process is replica %s", id)
		return nil
	}

	began := time.Now()
	phase := func(what string) { t.Logf("%5.1fs %s", time.Since(began).Seconds(), what) }
	// 1. All three up; one leads; each consumes its share of the
	// partitions (a group still forming when members die waits for them:
	// the kills come once it is stable, as they would in production).
	var first api.ClusterLease
	eventually(t, "a leader", func() bool { first = rs.scheduler(rs.procs[0]); return first.Held })
	warm := 0
	eventually(t, "every replica reading from the topic", func() bool {
		for _, s := range rs.procs {
			var st api.IngestStatus
			apiGet(t, s, "/api/v1/ingest/status", &st)
			if len(st.Sources) != 1 || st.Sources[0].Records == 0 {
				// More records, on every partition, until each has read some.
				var recs []*kgo.Record
				for range 8 {
					warm++
					id := fmt.Sprintf("corr-warm-%d", warm)
					recs = append(recs, &kgo.Record{Key: []byte(id), Value: []byte(record("app-setting-0", "app-1", id))})
				}
				if err := producer.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
					t.Fatal(err)
				}
				return false
			}
		}
		return true
	})
	produce("one", 10)
	settled("the first hits notified", rs.procs[0])

	phase("three replicas up, the first hits notified")
	// 2. The leader and one consumer die.
	leader := byID(first.Holder)
	var consumer, survivor *testenv.Serve
	for _, s := range rs.procs {
		switch {
		case s == leader:
		case consumer == nil:
			consumer = s
		default:
			survivor = s
		}
	}
	leader.Kill()
	consumer.Kill()
	produce("two", 10)
	survivorID := rs.idOf(survivor)
	eventually(t, "the survivor leading", func() bool {
		l := rs.scheduler(survivor)
		return l.Holder == survivorID && l.Token > first.Token && rs.cluster(survivor).Leader
	})
	settled("the hits sent while two replicas were dead notified", survivor)

	phase("the leader and a consumer killed; the survivor leads and read every partition")
	// 3. Both come back; the survivor, now the leader, is paused past its
	// lease and its consumer group session.
	leader.Restart()
	consumer.Restart()
	pausedAt := rs.scheduler(survivor)
	offset := len(survivor.Logs())
	survivor.Pause()
	var next api.ClusterLease
	eventually(t, "a new leader while the old one is paused", func() bool {
		next = rs.scheduler(leader)
		return next.Held && next.Holder != survivorID && next.Token > pausedAt.Token
	})
	newLeader := byID(next.Holder)
	produce("three", 10)
	settled("the hits sent while the leader was paused notified", newLeader)
	pruned := regexp.MustCompile(`retention: prune run.* lease_token=` + strconv.FormatInt(next.Token, 10) + `\b`)
	eventually(t, "scheduled work under the new leader", func() bool { return pruned.MatchString(newLeader.Logs()) })

	phase("the new leader paused; another leads, its scheduled work runs")
	// 4. The paused replica resumes: it finds its term over and does
	// nothing as a leader.
	survivor.Resume()
	eventually(t, "the resumed replica knowing it no longer leads", func() bool {
		return !rs.cluster(survivor).Leader && strings.Contains(survivor.Logs()[offset:], "no longer holds a lease")
	})
	produce("four", 5)
	settled("the hits sent after the pause notified", survivor)
	// No scheduled work of its stale term got done after the pause (a
	// later term of its own, had the lease come back to it, would be
	// another token).
	stale := regexp.MustCompile(`retention: prune run.* lease_token=` + strconv.FormatInt(pausedAt.Token, 10) + `\b`)
	if after := survivor.Logs()[offset:]; stale.MatchString(after) {
		t.Errorf("the paused replica did scheduled work of its old term after its lease passed on:\n%s", after)
	}
	// Whether its scheduled work tried a write before it learnt its term
	// was over is up to the Go scheduler on resume; any such write was
	// refused by the database and counted.
	if m := regexp.MustCompile(`honeyvault_lease_fenced_writes_refused_total\{lease="scheduler"\} (\d+)`).FindStringSubmatch(scrape(t, survivor)); m != nil {
		t.Logf("writes of the resumed replica refused by the fence: %s", m[1])
	}

	phase("the paused replica resumed, no longer leading")
	// Every hit in exactly one incident, each incident notified once.
	var alerts []api.Alert
	for after := int64(0); ; {
		var page api.AlertList
		apiGet(t, newLeader, fmt.Sprintf("/api/v1/alerts?limit=100&after=%d", after), &page)
		alerts = append(alerts, page.Alerts...)
		if page.NextAfter == 0 {
			break
		}
		after = page.NextAfter
	}
	incidentOf := map[string][]int64{}
	for _, a := range alerts {
		incidentOf[a.CorrelationID] = append(incidentOf[a.CorrelationID], a.IncidentID)
	}
	incidents := map[int64]bool{}
	for i := 1; i <= hits; i++ {
		corr := fmt.Sprintf("corr-hit-%d", i)
		if got := incidentOf[corr]; len(got) != 1 || got[0] == 0 {
			t.Errorf("hit %s: alerts in incidents %v; want one", corr, got)
			continue
		}
		if incidents[incidentOf[corr][0]] {
			t.Errorf("hit %s shares incident %d with another caller's hit", corr, incidentOf[corr][0])
		}
		incidents[incidentOf[corr][0]] = true
	}
	if len(alerts) != hits {
		t.Errorf("%d alerts; want %d (one per hit)", len(alerts), hits)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	keysOf := map[int64]int{}
	for key, n := range hook.times {
		if n != 1 {
			t.Errorf("notification %s delivered %d times; want once", key, n)
		}
		keysOf[hook.incident[key]]++
	}
	for id := range incidents {
		if keysOf[id] != 1 {
			t.Errorf("incident %d notified under %d idempotency keys; want one", id, keysOf[id])
		}
	}
	if len(keysOf) != len(incidents) {
		t.Errorf("notifications for %d incidents; want %d", len(keysOf), len(incidents))
	}
}
