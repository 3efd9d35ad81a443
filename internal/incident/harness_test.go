package incident

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func vaultID(name string) string {
	return "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/" + name
}

// testDecoys are planted in kv-pay (three secrets, a key) and kv-hr (a secret).
var testDecoys = []registry.Decoy{
	{VaultID: vaultID("kv-pay"), Name: "db-password", Type: registry.Secret},
	{VaultID: vaultID("kv-pay"), Name: "api-key", Type: registry.Secret},
	{VaultID: vaultID("kv-pay"), Name: "sa-conn", Type: registry.Secret},
	{VaultID: vaultID("kv-pay"), Name: "signing", Type: registry.Key},
	{VaultID: vaultID("kv-hr"), Name: "hr-admin", Type: registry.Secret},
}

// env is a store with decoys, the real matcher and a Recorder, fed through
// store.Accept exactly as the ingest pipeline feeds it.
type env struct {
	st      *store.Store
	matcher *detect.Matcher
	rec     *Recorder
	changes *changeLog
	n       int // correlation id counter
}

// changeLog is a Notifier that keeps what it was told.
type changeLog struct {
	mu sync.Mutex
	cs []Change
}

func (l *changeLog) Enqueue(ctx context.Context, tx *store.Tx, c Change) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cs = append(l.cs, c)
	return nil
}

func (l *changeLog) all() []Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Change(nil), l.cs...)
}

// eachEnv runs fn on SQLite and on a real PostgreSQL server.
func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	dsns := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "hv.db") },
		"postgres": func(t *testing.T) string { return testenv.Postgres(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			fn(t, newEnv(t, dsns[name](t)))
		})
	}
}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.ImportDecoys(ctx, testDecoys); err != nil {
		t.Fatal(err)
	}
	decoys, err := st.ListDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := detect.NewIndex(decoys)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := NewGrouping([]string{"vault", "caller"})
	cl := &changeLog{}
	return &env{
		st:      st,
		matcher: detect.NewMatcher(ix, detect.AllowList{{Identity: "planter"}}),
		rec:     &Recorder{Grouping: g, Window: 5 * time.Hour, Notifier: cl},
		changes: cl,
	}
}

// access is one audit event: caller (object id) did op on object in vault
// at t0+at.
type access struct {
	at     time.Duration
	caller string
	vault  string
	object string // "" for a list call
	op     string
	typ    registry.Type
}

func (e *env) event(a access) auditlog.Event {
	e.n++
	if a.typ == "" {
		a.typ = registry.Secret
	}
	if a.op == "" {
		a.op = "SecretGet"
	}
	uri := fmt.Sprintf("https://%s.vault.azure.net/%ss/%s?api-version=7.4", a.vault, a.typ, a.object)
	ev := auditlog.Event{
		Kind: auditlog.KindAudit, Shape: auditlog.ShapeAuditEvent, Time: t0.Add(a.at),
		VaultID: vaultID(a.vault), VaultName: a.vault, ObjectType: a.typ, ObjectName: a.object,
		Operation: a.op, ResultType: "Success", ResultSignature: "OK", HTTPStatus: 200,
		CorrelationID: fmt.Sprintf("corr-%d", e.n), RequestURI: uri,
		Caller: auditlog.Caller{ObjectID: a.caller, IP: "203.0.113.7", ClientInfo: "azsdk-go/1.0", UPN: a.caller + "@example.com"},
	}
	if a.object == "" {
		ev.ObjectType = ""
	}
	return ev
}

// ingest stores the accesses in one transaction and records their alerts.
func (e *env) ingest(t *testing.T, accesses ...access) {
	t.Helper()
	evs := make([]auditlog.Event, len(accesses))
	for i, a := range accesses {
		evs[i] = e.event(a)
	}
	e.ingestEvents(t, evs...)
}

func (e *env) ingestEvents(t *testing.T, evs ...auditlog.Event) {
	t.Helper()
	_, err := e.st.Accept(context.Background(), []store.Batch{{Source: "test", Events: evs}}, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		var alerts []detect.Alert
		for _, f := range fresh {
			alerts = append(alerts, e.matcher.Match(f.Event)...)
		}
		if len(alerts) == 0 {
			return nil
		}
		return e.rec.Record(ctx, tx, alerts)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) incidents(t *testing.T) []store.Incident {
	t.Helper()
	in, err := e.st.ListIncidents(context.Background(), store.IncidentFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// oldest first reads better in tests
	for i, j := 0, len(in)-1; i < j; i, j = i+1, j-1 {
		in[i], in[j] = in[j], in[i]
	}
	return in
}

func (e *env) alerts(t *testing.T, f store.AlertFilter) []store.Alert {
	t.Helper()
	as, err := e.st.ListAlerts(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return as
}
