-- Every accepted audit/activity record, normalised, for dedupe, detection and
-- investigation ("everything this caller did"). dedup_key makes acceptance
-- idempotent across retries, overlaps and replays. Kept for the retention
-- period (see PruneEvents).
CREATE TABLE events (
    id {{id}},
    dedup_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    time BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    vault_name TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_name TEXT NOT NULL,
    object_version TEXT NOT NULL,
    operation TEXT NOT NULL,
    result_type TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    correlation_id TEXT NOT NULL,
    request_uri TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    caller_key TEXT NOT NULL,
    caller_object_id TEXT NOT NULL,
    caller_upn TEXT NOT NULL,
    caller_app_id TEXT NOT NULL,
    caller_ip TEXT NOT NULL,
    client_info TEXT NOT NULL
);
CREATE UNIQUE INDEX events_dedup ON events (dedup_key);
CREATE INDEX events_caller_time ON events (caller_key, time);
CREATE INDEX events_vault_time ON events (vault_name, time);
CREATE INDEX events_received ON events (received_at);

-- Records that could not be parsed: kept with the reason, never dropped.
CREATE TABLE dead_letters (
    id {{id}},
    received_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    position TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX dead_letters_received ON dead_letters (received_at);

-- How far each ingest source has read (a blob offset, a query watermark,
-- a file offset), written in the same transaction as the records read.
CREATE TABLE checkpoints (
    source TEXT NOT NULL,
    item TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (source, item)
);
