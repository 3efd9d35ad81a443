-- Planting: what honeyvault knows about each decoy it planted, beyond its
-- registry row. Never a value: at most a keyed hash (HMAC-SHA256 under a
-- server key) of a secret's. state is pending from just before the create
-- request until the vault has answered, then planted. The object_* columns
-- are the vault's own view of the decoy right after planting (version,
-- certificate thumbprint, times in microseconds, enabled as 0/1), which
-- reconcile compares with what the vault lists later.
CREATE TABLE plantings (
    decoy_id BIGINT PRIMARY KEY,
    state TEXT NOT NULL,
    planted_by TEXT NOT NULL,
    value_hash TEXT NOT NULL,
    version TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    object_created BIGINT NOT NULL,
    object_updated BIGINT NOT NULL,
    object_enabled INTEGER NOT NULL,
    planted_at BIGINT NOT NULL,
    reconciled_at BIGINT NOT NULL
);
CREATE INDEX plantings_state ON plantings (state);

-- Findings of reconcile: a decoy deleted, disabled or changed outside
-- honeyvault. One open finding per decoy and kind; resolved_at is 0 while
-- open. The health feature turns them into alerts (alerted_at).
CREATE TABLE decoy_findings (
    id {{id}},
    decoy_id BIGINT NOT NULL,
    vault_id TEXT NOT NULL,
    vault_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    found_at BIGINT NOT NULL,
    resolved_at BIGINT NOT NULL,
    alerted_at BIGINT NOT NULL
);
CREATE INDEX decoy_findings_decoy ON decoy_findings (decoy_id, kind, resolved_at);
CREATE INDEX decoy_findings_vault ON decoy_findings (vault_key);

-- Allow rules kept in the database (besides the config file's): an
-- identity whose listed operations on one decoy (or, with empty scope
-- columns, any decoy) do not alert until expires_at (0: never). Planting
-- stores one per decoy for the planter's own create operation.
CREATE TABLE allow_rules (
    id {{id}},
    identity TEXT NOT NULL,
    operations TEXT NOT NULL,
    vault_key TEXT NOT NULL,
    type TEXT NOT NULL,
    name_key TEXT NOT NULL,
    decoy_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX allow_rules_expires ON allow_rules (expires_at);
CREATE INDEX allow_rules_decoy ON allow_rules (decoy_id);
