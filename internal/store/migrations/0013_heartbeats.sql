-- honeyvault's heartbeats (internal/health): each is a GET of a secret that
-- does not exist in a decoy vault, named with a nonce, whose audit record
-- must come back through ingestion by due_at. seen_at is when ingestion
-- stored that record (0: not yet). vault_key is registry.VaultKey of the
-- vault, vault_id its ARM id as the registry spells it, vault_name its name
-- in lower case as events.vault_name.
CREATE TABLE heartbeats (
    id {{id}},
    vault_key TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    vault_name TEXT NOT NULL,
    nonce TEXT NOT NULL UNIQUE,
    sent_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX heartbeats_sent ON heartbeats (sent_at);
-- A vault's open monitoring gap: a heartbeat missed its due time and no
-- later one came back yet. One row per vault while the gap lasts, so that a
-- gap raises one alert however many beats it misses; the row goes when the
-- records flow again. since is the first missed beat's due time, sla how
-- long it had (micros), incident_id the incident its alert opened.
CREATE TABLE heartbeat_gaps (
    vault_key TEXT PRIMARY KEY,
    vault_id TEXT NOT NULL,
    vault_name TEXT NOT NULL,
    nonce TEXT NOT NULL,
    since BIGINT NOT NULL,
    sla BIGINT NOT NULL,
    incident_id BIGINT NOT NULL DEFAULT 0
);
