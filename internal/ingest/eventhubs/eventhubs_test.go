package eventhubs

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
)

const waitFor = 30 * time.Second

// pollRecords is small so that a stream takes many polls and a stop lands
// in the middle of one.
const pollRecords = 7

// hubConnString is an Event Hubs connection string, as the namespace's
// shared access policy shows it (the key is made up).
const hubConnString = "Endpoint=sb://hv-test.servicebus.windows.net/;SharedAccessKeyName=honeyvault-listen;" +
	"SharedAccessKey=bXktdGVzdC1rZXktbm90LWEtcmVhbC1vbmU=;EntityPath=insights-logs-auditevent"

// hub is a kfake cluster shaped like an Event Hubs namespace: TLS with a
// generated certificate, SASL PLAIN with user $ConnectionString, the hub
// insights-logs-auditevent with two partitions. Its data lives in a
// directory, so it can be stopped and started again on the same port.
type hub struct {
	t       *testing.T
	dir     string
	port    int // 0 until the first start has the kernel pick one
	cluster *kfake.Cluster
	server  *tls.Config
	client  *tls.Config
}

func newHub(t *testing.T) *hub {
	t.Helper()
	server, client := generateTLS(t)
	h := &hub{t: t, dir: t.TempDir(), server: server, client: client}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *hub) start() {
	h.t.Helper()
	// While the hub was stopped another process on a busy machine may have
	// bound its port for a while: wait for the port (a failure bound, not
	// an expectation) rather than fail.
	giveUp := time.Now().Add(time.Minute)
	for {
		c, err := kfake.NewCluster(
			kfake.Ports(h.port),
			kfake.TLS(h.server),
			kfake.EnableSASL(),
			kfake.Superuser("PLAIN", "$ConnectionString", hubConnString),
			kfake.SeedTopics(2, DefaultTopic),
			kfake.DataDir(h.dir),
		)
		if err == nil {
			h.cluster = c
			break
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(giveUp) {
			h.t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // polling the port, not asserting on time
	}
	if h.port == 0 {
		_, port, _ := net.SplitHostPort(h.cluster.ListenAddrs()[0])
		h.port, _ = strconv.Atoi(port)
	}
}

func (h *hub) stop() {
	if h.cluster != nil {
		h.cluster.Close()
		h.cluster = nil
	}
}

func (h *hub) addr() string { return "127.0.0.1:" + strconv.Itoa(h.port) }

// send produces one Event Hubs event per body, as diagnostic settings do.
func (h *hub) send(bodies ...string) {
	h.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.addr()), kgo.DialTLSConfig(h.client.Clone()),
		kgo.SASL(plain.Auth{User: "$ConnectionString", Pass: hubConnString}.AsMechanism()),
		kgo.DefaultProduceTopic(DefaultTopic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		h.t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(bodies))
	for i, b := range bodies {
		recs[i] = &kgo.Record{Value: []byte(b)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		h.t.Fatal(err)
	}
}

// events returns n Event Hubs bodies, {"records":[...]} with per records each,
// numbered from first.
func events(first, n, per int) []string {
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		b.WriteString(`{"records": [`)
		for j := 0; j < per; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(ingesttest.Record(first + i*per + j))
		}
		b.WriteString("]}")
		out[i] = b.String()
	}
	return out
}

// source returns an Event Hubs source configured as a user would, from the
// connection string, aimed at the hub's listener.
func (h *hub) source(t *testing.T, password string) *Source {
	s, err := New(Config{Name: "eh", Brokers: []string{h.addr()}, ConnectionString: password, TLS: h.client.Clone(), PollWait: 200 * time.Millisecond, MaxPollRecords: pollRecords,
		Opts: []kgo.Opt{kgo.RetryBackoffFn(func(int) time.Duration { return 50 * time.Millisecond })}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (h *hub) runner(env *ingesttest.Env, s *Source) *source.Runner {
	r := env.Runner("eh", "eventhubs", s)
	r.Interval = -1 // Poll blocks until records arrive
	return r
}

// committed returns the group's committed offsets, summed over partitions.
func (h *hub) committed() int64 {
	info := h.cluster.GroupInfo(DefaultGroup)
	if info == nil {
		return 0
	}
	var n int64
	for _, ps := range info.Commits {
		for _, c := range ps {
			n += c.Offset
		}
	}
	return n
}

func TestConsumesLikeEventHubsAndCommitsAfterStoring(t *testing.T) {
	h := newHub(t)
	env := ingesttest.New(t)
	h.send(events(0, 20, 5)...) // 100 records in 20 events
	h.send(events(0, 2, 5)...)  // the first two events again: redelivered records
	h.send("not json at all", `{"records": [`+ingesttest.Record(1000)+`, {"time": "bad"}]}`)
	r := h.runner(env, h.source(t, hubConnString))
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "101 events", func() bool { return env.Events() == 101 })
	ingesttest.Eventually(t, waitFor, "all 24 messages committed", func() bool { return h.committed() == 24 })
	ingesttest.Eventually(t, waitFor, "the status", func() bool { return r.Status().Records == 111 })
	if got, want := r.Status().Duplicates, int64(10); got != want {
		t.Errorf("got %d duplicates; want %d", got, want)
	}
	d := env.DeadLetters()
	if len(d) != 2 {
		t.Fatalf("got dead letters %+v; want 2", d)
	}
	for _, dl := range d {
		if !strings.HasPrefix(dl.Position, DefaultTopic+"[") || !strings.Contains(dl.Position, "]@") || dl.Reason == "" {
			t.Errorf("dead letter %+v: want a topic[partition]@offset position and a reason", dl)
		}
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	h := newHub(t)
	env := ingesttest.New(t)
	h.send(events(0, 1, 1)...)
	wrong := strings.Replace(hubConnString, "bXktdGVzdC1rZXk", "c3RvbGVuLWtleS1", 1)
	r := h.runner(env, h.source(t, wrong))
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "an error", func() bool { return r.Status().Errors > 0 })
	st := r.Status()
	if !strings.Contains(st.LastError, "SASL authentication refused") {
		t.Errorf("last error: got %q; want an authentication failure", st.LastError)
	}
	if strings.Contains(st.LastError, "SharedAccessKey=") {
		t.Errorf("last error %q shows the connection string", st.LastError)
	}
	if n := env.Events(); n != 0 {
		t.Errorf("got %d events with a wrong password; want 0", n)
	}
}

func TestRestartMidStreamNothingLostNothingTwice(t *testing.T) {
	h := newHub(t)
	env := ingesttest.New(t)
	h.send(events(0, 100, 3)...)
	r := h.runner(env, h.source(t, hubConnString))
	stop := ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "some events", func() bool { return env.Events() >= 30 })
	stop() // mid-stream: some polled, some not
	h.send(events(300, 50, 3)...)
	env.Reopen()
	r2 := h.runner(env, h.source(t, hubConnString))
	ingesttest.Start(t, r2)
	ingesttest.Eventually(t, waitFor, "450 events", func() bool { return env.Events() == 450 })
	ingesttest.Eventually(t, waitFor, "all 150 messages committed", func() bool { return h.committed() == 150 })
	// Offsets were committed as the first runner stored: the second reads
	// on from there, at most the poll that was stored but not committed
	// when it stopped again.
	second := r2.Status()
	if second.Duplicates > pollRecords*3 {
		t.Errorf("the second runner read %d records again; want at most one poll's worth", second.Duplicates)
	}
}

func TestTwoMembersShareThePartitions(t *testing.T) {
	h := newHub(t)
	env := ingesttest.New(t)
	h.send(events(0, 60, 2)...)
	a := h.runner(env, h.source(t, hubConnString))
	ingesttest.Start(t, a)
	ingesttest.Eventually(t, waitFor, "the first member to store some", func() bool { return env.Events() > 0 })
	// A second replica joins: the group rebalances and the first member
	// gives up a partition in the middle of the stream.
	b := h.runner(env, h.source(t, hubConnString))
	ingesttest.Start(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := h.cluster.WaitGroupInfo(ctx, DefaultGroup, func(g *kfake.GroupInfo) bool {
		return g != nil && len(g.Members) == 2 && g.Members[0].NumAssigned() == 1 && g.Members[1].NumAssigned() == 1
	}); err != nil {
		t.Fatalf("the group did not settle with a partition per member: %v", err)
	}
	h.send(events(120, 60, 2)...)
	ingesttest.Eventually(t, waitFor, "240 events", func() bool { return env.Events() == 240 })
	ingesttest.Eventually(t, waitFor, "all 120 messages committed", func() bool { return h.committed() == 120 })
	ingesttest.Eventually(t, waitFor, "both members to have stored records", func() bool { return b.Status().Records > 0 })
	if got, want := a.Status().New+b.Status().New, int64(240); got != want {
		t.Errorf("the members stored %d new records; want %d", got, want)
	}
}

func TestBrokenConnectionComesBack(t *testing.T) {
	h := newHub(t)
	env := ingesttest.New(t)
	h.send(events(0, 10, 2)...)
	r := h.runner(env, h.source(t, hubConnString))
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "20 events", func() bool { return env.Events() == 20 })
	ingesttest.Eventually(t, waitFor, "10 messages committed", func() bool { return h.committed() == 10 })

	h.stop() // the namespace goes away
	ingesttest.Eventually(t, waitFor, "an error while it is gone", func() bool { return r.Status().Errors > 0 })
	if st := r.Status(); !strings.Contains(st.LastError, "connection refused") {
		t.Errorf("last error: got %q; want the broker unreachable", st.LastError)
	}
	h.start()
	h.send(events(20, 10, 2)...)
	ingesttest.Eventually(t, waitFor, "40 events after the broker came back", func() bool { return env.Events() == 40 })
	ingesttest.Eventually(t, waitFor, "20 messages committed", func() bool { return h.committed() == 20 })
	if got := r.Status().Duplicates; got != 0 {
		t.Errorf("got %d duplicates; want 0 (the commits survived the restart)", got)
	}
	ingesttest.Eventually(t, waitFor, "running", func() bool { return r.Status().State == source.StateRunning })
}

func TestStoreFailureKeepsRecordsUntilStored(t *testing.T) {
	h := newHub(t)
	env := ingesttest.New(t)
	h.send(events(0, 10, 2)...)
	flaky := &ingesttest.Flaky{Next: env.Pipeline}
	flaky.Fail.Store(3)
	r := h.runner(env, h.source(t, hubConnString))
	r.Submitter = flaky
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "20 events", func() bool { return env.Events() == 20 })
	ingesttest.Eventually(t, waitFor, "10 messages committed", func() bool { return h.committed() == 10 })
	if st := r.Status(); st.Errors < 3 || !strings.Contains(st.LastError, "injected") {
		t.Errorf("status: got %d errors, last %q; want the 3 injected failures", st.Errors, st.LastError)
	}
}

func TestPlainKafkaWithMaxVersions(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "audit")) // on a port the kernel picks
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	prod, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("audit"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range events(0, 5, 1) {
		if err := prod.ProduceSync(context.Background(), &kgo.Record{Value: []byte(b)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	prod.Close()
	env := ingesttest.New(t)
	s, err := New(Config{Name: "kafka", Brokers: []string{addr}, Topic: "audit", Group: "honeyvault", MaxVersions: kversion.V2_0_0()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := env.Runner("kafka", "eventhubs", s)
	r.Interval = -1
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "5 events", func() bool { return env.Events() == 5 })
}

func TestNewDerivesBrokersAndTopicFromTheConnectionString(t *testing.T) {
	s, err := New(Config{Name: "eh", ConnectionString: strings.Replace(hubConnString, "insights-logs-auditevent", "kv-audit", 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(s.cfg.Brokers, ","), "hv-test.servicebus.windows.net:9093"; got != want {
		t.Errorf("brokers: got %q; want %q", got, want)
	}
	if got, want := s.cfg.Topic, "kv-audit"; got != want {
		t.Errorf("topic: got %q; want %q", got, want)
	}
	if got, want := s.cfg.Group, "$Default"; got != want {
		t.Errorf("group: got %q; want %q", got, want)
	}
	for _, bad := range []string{"Endpoint=sb://x.servicebus.windows.net/", "SharedAccessKey=abc", "Endpoint=::;SharedAccessKey=k"} {
		if _, err := New(Config{Name: "eh", ConnectionString: bad}, nil); err == nil || strings.Contains(err.Error(), "abc") {
			t.Errorf("New with %q: got %v; want an error that does not quote it", bad, err)
		}
	}
}

// generateTLS returns a server config with a fresh self-signed certificate
// for 127.0.0.1 and a client config that trusts only it.
func generateTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "hv-test.servicebus.windows.net"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"hv-test.servicebus.windows.net"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}

// The source knows its consumer lag from the fetches' high watermarks: the
// records still waiting in its partitions beyond those it polled, nothing
// once it has read them all, and the runner reports it in its status.
func TestBacklogFromHighWatermarks(t *testing.T) {
	h := newHub(t)
	env := ingesttest.New(t)
	h.send(events(0, 40, 1)...)     // 20 per partition
	s := h.source(t, hubConnString) // the runner below closes it
	if _, ok := s.Backlog(); ok {
		t.Error("a backlog known before any fetch")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	var first int64
	for first == 0 && ctx.Err() == nil {
		if _, err := s.Poll(ctx, env.Pipeline); err != nil {
			t.Fatal(err)
		}
		first, _ = s.Backlog()
	}
	if stored := env.Events(); first <= 0 || first > 40-int64(stored) {
		t.Errorf("backlog %d after polling %d of 40; want some, at most the rest", first, stored)
	}
	r := h.runner(env, s)
	ingesttest.Start(t, r)
	ingesttest.Eventually(t, waitFor, "40 events", func() bool { return env.Events() == 40 })
	ingesttest.Eventually(t, waitFor, "nothing behind", func() bool {
		st := r.Status()
		return st.BacklogKnown && st.Backlog == 0
	})
}
