package web

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
)

// clusterReplicaRow is a replica as the cluster page shows it.
type clusterReplicaRow struct {
	api.ClusterMember
	Here     bool     // the replica serving this page
	Leases   []string // the leases it holds now
	LagWords string   // "1m35s", "4s, 120 records waiting" (Kafka), or "—" when it runs no source
}

// clusterLeaseRow is a lease as the cluster page shows it.
type clusterLeaseRow struct {
	api.ClusterLease
	Here bool // held by the replica serving this page
}

type clusterView struct {
	Available bool   // false: this server has no cluster status
	SQLite    bool   // one process on SQLite: it always leads
	Here      string // the replica serving the page
	Leader    string // the scheduler lease's holder, "" for none now
	Alive     int
	Replicas  []clusterReplicaRow
	Leases    []clusterLeaseRow
}

// clusterPage is GET /cluster: the replicas sharing the database, what
// each runs and is behind, and who holds which lease (GET /api/v1/cluster
// as a page; same roles, and no decoy name in either).
func (h *handler) clusterPage(w http.ResponseWriter, r *http.Request) {
	v := clusterView{SQLite: h.store.Driver() == "sqlite"}
	if h.clusterStatus == nil {
		h.render(w, r, http.StatusOK, "cluster", "Cluster", v)
		return
	}
	c, err := h.clusterStatus.Cluster(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v.Available, v.Here = true, c.Replica
	held := map[string][]string{}
	for _, l := range c.Leases {
		v.Leases = append(v.Leases, clusterLeaseRow{ClusterLease: l, Here: l.Held && l.Holder == c.Replica})
		if !l.Held {
			continue
		}
		held[l.Holder] = append(held[l.Holder], l.Name)
		if l.Name == "scheduler" {
			v.Leader = l.Holder
		}
	}
	for _, m := range c.Replicas {
		row := clusterReplicaRow{ClusterMember: m, Here: m.ID == c.Replica, Leases: held[m.ID], LagWords: "—"}
		if len(m.Sources) > 0 {
			row.LagWords = lagWords(m.LagSeconds)
		}
		if m.ConsumerLagRecords > 0 {
			row.LagWords += ", " + countWords(int(m.ConsumerLagRecords), "record", "records") + " waiting"
		}
		if m.Alive {
			v.Alive++
		}
		v.Replicas = append(v.Replicas, row)
	}
	// The replica serving the page first, then the live ones: those gone
	// (kept for a day) sink to the bottom.
	slices.SortStableFunc(v.Replicas, func(a, b clusterReplicaRow) int {
		return cmp.Or(-cmp.Compare(b2i(a.Here), b2i(b.Here)), -cmp.Compare(b2i(a.Alive), b2i(b.Alive)))
	})
	h.render(w, r, http.StatusOK, "cluster", "Cluster", v)
}

// lagWords is a lag in seconds as the sources page writes one: "4s",
// "1m35s".
func lagWords(seconds float64) string {
	return time.Duration(seconds * float64(time.Second)).Round(time.Second).String()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
