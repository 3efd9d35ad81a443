package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

// storeCluster answers GET /api/v1/cluster from the real store's replicas
// and leases, as the app's leader does, for the replica here; replicas in
// stale count as not seen (the store's clock cannot be moved from here).
type storeCluster struct {
	st    *store.Store
	here  string
	stale map[string]bool
}

func (c storeCluster) Cluster(ctx context.Context) (api.Cluster, error) {
	out := api.Cluster{Replica: c.here, Replicas: []api.ClusterMember{}, Leases: []api.ClusterLease{}}
	rs, err := c.st.Replicas(ctx)
	if err != nil {
		return out, err
	}
	for _, r := range rs {
		out.Replicas = append(out.Replicas, api.ClusterMember{ID: r.ID, StartedAt: r.StartedAt, LastSeen: r.LastSeen, Version: r.Version,
			Alive: !c.stale[r.ID], LagSeconds: r.Lag.Seconds(), StoredLastMinute: r.StoredLastMinute,
			ConsumerLagRecords: r.Backlog, Sources: r.Sources})
	}
	ls, err := c.st.Leases(ctx)
	if err != nil {
		return out, err
	}
	for _, l := range ls {
		held := l.Held(time.Now())
		out.Leases = append(out.Leases, api.ClusterLease{Name: l.Name, Holder: l.Holder, Token: l.Token, AcquiredAt: l.AcquiredAt,
			RenewedAt: l.RenewedAt, Expires: l.Expires, Held: held})
		out.Leader = out.Leader || held && l.Name == "scheduler" && l.Holder == c.here
	}
	return out, nil
}

// Replica ids as the app makes them: host:pid:random.
const (
	replicaHere  = "hv-0:41:a1b2c3"
	replicaOther = "hv-1:57:d4e5f6"
	replicaGone  = "hv-2:12:0f0f0f"
)

// withCluster seeds three replicas — this one leading and running the
// Event Hubs source, another running the file source, a third gone — and
// their leases, and answers the cluster status from the store.
func withCluster() envOption {
	return func(e *env, o *Options) {
		ctx := context.Background()
		started := time.Now().Add(-2 * time.Hour)
		for _, r := range []store.Replica{
			{ID: replicaHere, StartedAt: started, Version: "v1.4.0", Lag: 4 * time.Second, StoredLastMinute: 12840, Backlog: 120, Sources: []string{"eventhub-weu"}},
			{ID: replicaOther, StartedAt: started, Version: "v1.4.0", Lag: 95 * time.Second, StoredLastMinute: 310, Sources: []string{"archive", "eventhub-weu"}},
			{ID: replicaGone, StartedAt: started, Version: "v1.3.2"},
		} {
			if err := e.st.NoteReplica(ctx, r); err != nil {
				e.t.Fatal(err)
			}
		}
		for name, holder := range map[string]string{"scheduler": replicaHere, "source:archive": replicaOther} {
			if _, mine, err := e.st.AcquireLease(ctx, name, holder, time.Hour, nil); err != nil || !mine {
				e.t.Fatalf("lease %s: %v %v", name, mine, err)
			}
		}
		o.Cluster = storeCluster{st: e.st, here: replicaHere, stale: map[string]bool{replicaGone: true}}
	}
}

// rowOf returns the text of the table row holding id, tags stripped.
func rowOf(t *testing.T, body, id string) string {
	t.Helper()
	for _, row := range regexp.MustCompile(`(?s)<tr[^>]*>.*?</tr>`).FindAllString(body, -1) {
		if strings.Contains(row, id) {
			return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(row, " ")), " ")
		}
	}
	t.Fatalf("no row with %s", id)
	return ""
}

// /cluster shows each replica with what it runs and is behind, the leases
// and their holders, marks the replica serving the page, and is open to
// the roles of GET /api/v1/cluster only.
func TestClusterPage(t *testing.T) {
	e := newEnv(t, withCluster())
	c := e.browser()
	e.signIn(c, e.token(auth.Analyst))
	resp, body := e.request(c, "GET", "/cluster", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /cluster: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(mainNavRE.FindString(body), `<a href="/cluster" aria-current="page">Cluster</a>`) {
		t.Error("the navigation does not mark Cluster as the current page")
	}
	tests := []struct{ id, want string }{
		{replicaHere, replicaHere + " this page alive lag 4s, 120 records waiting stored in the last minute 12840 sources eventhub-weu leases scheduler version v1.4.0"},
		{replicaOther, replicaOther + " alive lag 1m35s stored in the last minute 310 sources archive, eventhub-weu leases source:archive version v1.4.0"},
		{replicaGone, replicaGone + " not seen lag — stored in the last minute 0 sources none leases none version v1.3.2"},
		{"<strong>scheduler</strong>", "scheduler held holder " + replicaHere + " this page token 1"},
		{"<strong>source:archive</strong>", "source:archive held holder " + replicaOther + " token 1"},
	}
	for _, tt := range tests {
		if got := rowOf(t, body, tt.id); !strings.HasPrefix(got, tt.want) {
			t.Errorf("row of %s:\n got %q\nwant %q…", tt.id, got, tt.want)
		}
	}
	for _, want := range []string{"3</strong> replicas, <strong>2</strong> alive", "scheduled work on <code class=\"wrap\">" + replicaHere} {
		if !strings.Contains(body, want) {
			t.Errorf("/cluster lacks %q", want)
		}
	}
	// This replica first, the one gone last.
	_, replicas, _ := strings.Cut(body, "<h2>Replicas</h2>")
	replicas, _, _ = strings.Cut(replicas, "<h2>Leases</h2>")
	if i, j, k := strings.Index(replicas, replicaHere), strings.Index(replicas, replicaOther), strings.Index(replicas, replicaGone); !(0 <= i && i < j && j < k) {
		t.Errorf("replicas in the order %d %d %d; want this one, the live one, the one gone", i, j, k)
	}
	if strings.Contains(body, ownDecoy) || strings.Contains(body, foreignDecoy) {
		t.Error("/cluster names a decoy")
	}

	for name, tok := range map[string]string{"owner": e.token(auth.Owner, envSubPay)} {
		oc := e.browser()
		e.signIn(oc, tok)
		if resp, _ := e.request(oc, "GET", "/cluster", "", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET /cluster as %s: %d; want 403", name, resp.StatusCode)
		}
		if _, home := e.request(oc, "GET", "/", "", nil); strings.Contains(mainNavRE.FindString(home), `href="/cluster"`) {
			t.Errorf("%s's navigation links /cluster", name)
		}
	}
	if resp, _ := e.request(nil, "GET", "/cluster", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /cluster signed out: %d; want a redirect to sign in", resp.StatusCode)
	}
}

// Without replicas noted or leases taken the page says what will appear;
// a server without a cluster status says so instead of failing.
func TestClusterPageEmptyStates(t *testing.T) {
	e := newEnv(t, func(e *env, o *Options) { o.Cluster = storeCluster{st: e.st, here: replicaHere} })
	c := e.browser()
	e.signIn(c, adminToken)
	_, body := e.request(c, "GET", "/cluster", "", nil)
	for _, want := range []string{"No replica has noted itself yet", "No lease taken yet", "no leader now", "One process on SQLite"} {
		if !strings.Contains(body, want) {
			t.Errorf("empty /cluster lacks %q", want)
		}
	}
	bare := newEnv(t)
	bc := bare.browser()
	bare.signIn(bc, adminToken)
	if resp, body := bare.request(bc, "GET", "/cluster", "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "does not report its cluster") {
		t.Errorf("/cluster without a status: %d %q", resp.StatusCode, body)
	}
}
