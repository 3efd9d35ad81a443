-- Leases: which replica does the fleet's scheduled work (discovery,
-- reconcile, the diagnostics check, heartbeats, retention). A lease is
-- held by holder until expires_at (microseconds); token, the fencing
-- token, grows each time the lease changes hands, so that a replica that
-- was paused past its lease can tell it lost it. renewed_at and
-- acquired_at are for people (GET /api/v1/cluster).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token BIGINT NOT NULL,
    acquired_at BIGINT NOT NULL,
    renewed_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Replicas: every serve sharing the database notes itself here every few
-- seconds (last_seen, microseconds), so that GET /api/v1/cluster lists the
-- fleet; rows of replicas gone for a day are removed.
CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    version TEXT NOT NULL
);
