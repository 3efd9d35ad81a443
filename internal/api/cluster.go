package api

import "time"

// Cluster is GET /api/v1/cluster: the serve replicas sharing the database
// and who holds which lease.
type Cluster struct {
	// Replica is the replica that answered; Leader whether it holds the
	// scheduler lease (it does the scheduled work).
	Replica  string          `json:"replica"`
	Leader   bool            `json:"leader"`
	Replicas []ClusterMember `json:"replicas"`
	Leases   []ClusterLease  `json:"leases"`
}

// ClusterMember is one replica as it last noted itself.
type ClusterMember struct {
	ID        string    `json:"id"`
	StartedAt time.Time `json:"started_at"`
	LastSeen  time.Time `json:"last_seen"`
	Version   string    `json:"version"`
	// Alive is whether it noted itself within the last two lease lengths.
	Alive bool `json:"alive"`
	// LagSeconds is, as of LastSeen, the largest lag among the sources it
	// runs: how old the newest record of a source's last delivery was
	// when it was stored (0 when it runs none). It is not a backlog: a
	// quiet source keeps the lag of its last delivery.
	LagSeconds float64 `json:"lag_seconds"`
	// StoredLastMinute is how many records it stored (new and duplicate,
	// from every source and HTTP push) in the minute before LastSeen.
	StoredLastMinute int64 `json:"stored_last_minute"`
	// ConsumerLagRecords is, as of LastSeen, the records waiting in the
	// Event Hubs/Kafka partitions it consumes beyond those it read (each
	// partition's high watermark at its last fetch less its position);
	// 0 when it consumes none.
	ConsumerLagRecords int64 `json:"consumer_lag_records"`
	// Sources are the names of the live sources it ran at LastSeen: every
	// Event Hubs source, and the pull sources whose lease it holds.
	Sources []string `json:"sources"`
}

// ClusterLease is a lease and its holder.
type ClusterLease struct {
	Name       string    `json:"name"`
	Holder     string    `json:"holder"`
	Token      int64     `json:"token"`
	AcquiredAt time.Time `json:"acquired_at"`
	RenewedAt  time.Time `json:"renewed_at"`
	Expires    time.Time `json:"expires_at"`
	Held       bool      `json:"held"`
}
