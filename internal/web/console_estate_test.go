package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The console benchmark's estate, at the size of issue 15's bar: 2,000
// vaults in 10 subscriptions, 10,000 decoys, 1,000 incidents of 20 alerts
// each over 30 days, 120,000 audit records. It is built through the
// store's own APIs and the real detection path (matcher and incident
// recorder inside Accept), so the rows are the ones serve writes.

// Sizes of the estate.
const (
	estateSubscriptions   = 10
	estateVaultsPerSub    = 200
	estateDecoysPerVault  = 5
	estateIncidents       = 1000
	estateAlertsPerIncid  = 20
	estateAttackers       = 37  // callers of incidents; coprime with the vaults hit, so every (vault, caller) pair is one incident
	estateIncidentVaults  = 500 // vaults with incidents: two each
	estateApps            = 120 // workloads that read their vaults every day
	estateRelatedPerIncid = 40  // records of an incident's caller elsewhere, around it
	estateBackground      = 60000
	estateDays            = 30
)

// consoleEstate is what the benchmark needs to name pages.
type consoleEstate struct {
	vaults    []store.Vault
	incidents []int64 // every incident id, oldest first
	busyVault store.Vault
	search    string // a search that matches some decoys
}

// decoyWords make decoy names look like a vault's own.
var decoyWords = []string{"stripe-api-key", "db-password", "sql-admin", "storage-conn", "jwt-signing", "sftp-backup", "payroll-export", "svc-principal"}

var estateOps = map[registry.Type][]string{
	registry.Secret:      {"SecretGet", "SecretGet", "SecretBackup", "SecretListVersions", "SecretGetDeleted", "SecretDelete"},
	registry.Key:         {"KeyGet", "KeyDecrypt", "KeyUnwrapKey", "KeyBackup", "KeySign"},
	registry.Certificate: {"CertificateGet", "CertificateBackup", "CertificatePolicyGet"},
}

var backgroundOps = []string{"SecretGet", "SecretList", "KeyGet", "KeyList", "CertificateGet", "SecretSet", "VaultGet", "KeyDecrypt"}

// buildConsoleEstate fills st with the estate and returns what the pages
// are named by. now is the end of the 30 days.
func buildConsoleEstate(tb testing.TB, st *store.Store, now time.Time) consoleEstate {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(15, 15))
	var es consoleEstate
	var d store.Discovery
	var decoys []registry.Decoy
	types := []registry.Type{registry.Secret, registry.Secret, registry.Key, registry.Certificate, registry.Secret}
	for s := 0; s < estateSubscriptions; s++ {
		sub := fmt.Sprintf("%08d-0000-4000-8000-%012d", s, s)
		d.Subscriptions = append(d.Subscriptions, store.Subscription{ID: sub, DisplayName: fmt.Sprintf("Contoso %d", s)})
		for v := 0; v < estateVaultsPerSub; v++ {
			name := fmt.Sprintf("kv-%02d-app%03d-weu", s, v)
			rg := fmt.Sprintf("rg-app%03d", v%40)
			vault := store.Vault{ID: registry.VaultID(sub, rg, name), Name: name, Location: "westeurope", RBAC: v%3 == 0,
				Tags: map[string]string{"team": fmt.Sprintf("team-%d", v%17), "env": "prod"}, SoftDelete: true}
			d.Vaults = append(d.Vaults, vault)
			for k := 0; k < estateDecoysPerVault; k++ {
				decoys = append(decoys, registry.Decoy{VaultID: vault.ID, Name: fmt.Sprintf("%s-%d", decoyWords[(v+k)%len(decoyWords)], k),
					Type: types[k], CreatedBy: "plant:bench"})
			}
		}
	}
	if _, err := st.RecordDiscovery(ctx, d); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.ImportDecoys(ctx, decoys); err != nil {
		tb.Fatal(err)
	}
	es.vaults, es.search = d.Vaults, "stripe"

	attackers := make([]auditlog.Caller, estateAttackers)
	for i := range attackers {
		attackers[i] = auditlog.Caller{ObjectID: fmt.Sprintf("attacker-%02d-oid", i), UPN: fmt.Sprintf("user%02d@contoso.com", i),
			TenantID: "tenant-1", IP: fmt.Sprintf("203.0.113.%d", i+1), ClientInfo: "python-requests/2.31"}
	}
	apps := make([]auditlog.Caller, estateApps)
	for i := range apps {
		apps[i] = auditlog.Caller{ObjectID: fmt.Sprintf("app-%03d-oid", i), AppID: fmt.Sprintf("app-%03d", i),
			IP: fmt.Sprintf("10.0.%d.%d", i/200, i%200+1), ClientInfo: "azsdk-go-azsecrets/1.1.0"}
	}
	event := func(v store.Vault, c auditlog.Caller, at time.Time, op string, typ registry.Type, obj string, seq int) auditlog.Event {
		return auditlog.Event{Kind: auditlog.KindAudit, Time: at, VaultID: v.ID, VaultName: v.Name, ObjectType: typ, ObjectName: obj,
			Operation: op, ResultType: "Success", HTTPStatus: 200, CorrelationID: fmt.Sprintf("corr-%07d", seq), Caller: c}
	}
	seq := 0
	var incidentEvents, records []auditlog.Event
	span := estateDays * 24 * time.Hour
	for i := 0; i < estateIncidents; i++ {
		v := d.Vaults[(i%estateIncidentVaults)*(len(d.Vaults)/estateIncidentVaults)]
		c := attackers[i%estateAttackers]
		start := now.Add(-time.Duration(rng.Int64N(int64(span - 2*time.Hour))))
		vi := (i % estateIncidentVaults) * (len(d.Vaults) / estateIncidentVaults)
		for a := 0; a < estateAlertsPerIncid; a++ {
			dc := decoys[vi*estateDecoysPerVault+rng.IntN(estateDecoysPerVault)]
			ops := estateOps[dc.Type]
			at := start.Add(time.Duration(a) * 3 * time.Minute)
			seq++
			incidentEvents = append(incidentEvents, event(v, c, at, ops[rng.IntN(len(ops))], dc.Type, dc.Name, seq))
		}
		// The caller acting elsewhere around the incident: related activity.
		for r := 0; r < estateRelatedPerIncid; r++ {
			other := d.Vaults[rng.IntN(len(d.Vaults))]
			at := start.Add(time.Duration(rng.Int64N(int64(24*time.Hour))) - 12*time.Hour)
			seq++
			records = append(records, event(other, c, at, backgroundOps[rng.IntN(len(backgroundOps))], registry.Secret, fmt.Sprintf("app-setting-%d", r%7), seq))
		}
	}
	// Workloads reading their vaults, denser in the last day, so that
	// coverage sees records and the sparkline has a shape.
	for r := 0; r < estateBackground; r++ {
		v := d.Vaults[rng.IntN(len(d.Vaults))]
		age := time.Duration(rng.Int64N(int64(span)))
		if r%3 == 0 {
			age = time.Duration(rng.Int64N(int64(24 * time.Hour)))
		}
		seq++
		records = append(records, event(v, apps[rng.IntN(len(apps))], now.Add(-age), backgroundOps[rng.IntN(len(backgroundOps))],
			registry.Secret, fmt.Sprintf("app-setting-%d", r%11), seq))
	}
	// Every vault's own heartbeat in the last hour, as a monitored estate has.
	for _, v := range d.Vaults {
		seq++
		records = append(records, event(v, apps[0], now.Add(-time.Duration(rng.Int64N(int64(time.Hour)))), "SecretList", "", "", seq))
	}
	acceptRecords(tb, st, records)
	es.incidents = acceptIncidents(tb, st, incidentEvents)
	es.busyVault = d.Vaults[0]
	changeIncidents(tb, st, es.incidents)
	createBenchTokens(tb, st)
	return es
}

// acceptRecords stores records without detection, as the pipeline does
// for records that touch no decoy.
func acceptRecords(tb testing.TB, st *store.Store, records []auditlog.Event) {
	for start := 0; start < len(records); start += 5000 {
		batch := records[start:min(start+5000, len(records))]
		if _, err := st.Accept(context.Background(), []store.Batch{{Source: "bench", Events: batch}}, nil); err != nil {
			tb.Fatal(err)
		}
	}
}

// acceptIncidents stores events through the real matcher and incident
// recorder and returns the incidents' ids, oldest first.
func acceptIncidents(tb testing.TB, st *store.Store, events []auditlog.Event) []int64 {
	ctx := context.Background()
	decoys, err := st.ListDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	ix, err := detect.NewIndex(decoys)
	if err != nil {
		tb.Fatal(err)
	}
	m := detect.NewMatcher(ix, nil)
	g, _ := incident.NewGrouping([]string{"vault", "caller"})
	rec := &incident.Recorder{Grouping: g}
	for start := 0; start < len(events); start += 2000 {
		batch := events[start:min(start+2000, len(events))]
		_, err := st.Accept(ctx, []store.Batch{{Source: "bench", Events: batch}}, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
			var alerts []detect.Alert
			for _, f := range fresh {
				alerts = append(alerts, m.Match(f.Event)...)
			}
			return rec.Record(ctx, tx, alerts)
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	var ids []int64
	for before := int64(0); ; {
		page, err := st.ListIncidents(ctx, store.IncidentFilter{BeforeID: before, Limit: 500})
		if err != nil {
			tb.Fatal(err)
		}
		for _, in := range page {
			ids = append(ids, in.ID)
		}
		if len(page) < 500 {
			break
		}
		before = page[len(page)-1].ID
	}
	if len(ids) != estateIncidents {
		tb.Fatalf("estate: %d incidents, want %d", len(ids), estateIncidents)
	}
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids
}

// changeIncidents gives the incidents a mix of statuses, owners and
// comments, through the lifecycle people use (each change also writes
// history and the audit trail).
func changeIncidents(tb testing.TB, st *store.Store, ids []int64) {
	ctx := context.Background()
	svc := &incident.Service{Store: st}
	for i, id := range ids {
		by := incident.Actor{Name: fmt.Sprintf("analyst%d@contoso.com", i%6), RemoteAddr: "192.0.2.10"}
		var err error
		switch i % 10 {
		case 0, 1, 2, 3: // closed, most of them after a look
			_, err = svc.Close(ctx, id, by, incident.Classifications[i%3], "checked with the vault's owner")
		case 4, 5:
			_, err = svc.Assign(ctx, id, by, by.Name)
			if err == nil {
				_, err = svc.Comment(ctx, id, by, "looking into the caller's sign-ins")
			}
		case 6:
			_, err = svc.Comment(ctx, id, by, "same IP as last week's pen test?")
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// createBenchTokens makes the API tokens a team has.
func createBenchTokens(tb testing.TB, st *store.Store) {
	for i := 0; i < 25; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "bench-token-%d", i))
		t := &store.APIToken{Name: fmt.Sprintf("ci-%02d", i), Hash: hex.EncodeToString(sum[:]), Prefix: "hv_bench", Role: "analyst", CreatedBy: "bootstrap:admin"}
		if err := st.CreateToken(context.Background(), t, store.AuditEntry{Actor: "bootstrap:admin", Action: "token.create"}); err != nil {
			tb.Fatal(err)
		}
	}
}
