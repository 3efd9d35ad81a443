-- Incidents, the alerts grouped into them, the history of every change, and
-- the notification outbox. An alert, its incident change and its outbox rows
-- are written in the ingest transaction that stored the event itself.
--
-- group_key is the incident's grouping fingerprint (see internal/incident):
-- the next alert with the same key joins the newest open incident while it
-- is inside the group window. previous_id links an incident to the one of
-- the same group it did not join (closed, or outside the window); 0: none.
CREATE TABLE incidents (
    id {{id}},
    group_key TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    alert_severity TEXT NOT NULL,
    status TEXT NOT NULL,
    classification TEXT NOT NULL,
    owner TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    vault_name TEXT NOT NULL,
    caller_key TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    alert_count INTEGER NOT NULL,
    decoy_count INTEGER NOT NULL,
    previous_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT NOT NULL
);
CREATE INDEX incidents_group ON incidents (group_key, id);
CREATE INDEX incidents_status ON incidents (status, id);
CREATE INDEX incidents_vault ON incidents (vault_name, id);

-- One row per decoy an event touched. Suppressed hits (allow-listed
-- identities) are kept with incident_id 0. The event's fields are copied
-- because events are pruned after the retention period and alerts are not.
-- event_key is the event's dedup key: with decoy_key it makes recording an
-- alert idempotent.
CREATE TABLE alerts (
    id {{id}},
    incident_id BIGINT NOT NULL,
    event_key TEXT NOT NULL,
    decoy_id BIGINT NOT NULL,
    decoy_key TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    vault_name TEXT NOT NULL,
    token TEXT NOT NULL,
    token_type TEXT NOT NULL,
    object_type TEXT NOT NULL,
    time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    operation TEXT NOT NULL,
    class TEXT NOT NULL,
    severity TEXT NOT NULL,
    result_type TEXT NOT NULL,
    result_signature TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    correlation_id TEXT NOT NULL,
    request_uri TEXT NOT NULL,
    caller_key TEXT NOT NULL,
    caller_object_id TEXT NOT NULL,
    caller_upn TEXT NOT NULL,
    caller_app_id TEXT NOT NULL,
    caller_tenant_id TEXT NOT NULL,
    caller_ip TEXT NOT NULL,
    client_info TEXT NOT NULL,
    suppressed INTEGER NOT NULL,
    allowed_by TEXT NOT NULL
);
CREATE UNIQUE INDEX alerts_identity ON alerts (event_key, decoy_key);
CREATE INDEX alerts_incident ON alerts (incident_id, id);
CREATE INDEX alerts_time ON alerts (time);

-- Every change of an incident, with who and when: created, alerts added,
-- severity raised, assigned, commented, closed, reopened. Append-only.
CREATE TABLE incident_history (
    id {{id}},
    incident_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX incident_history_incident ON incident_history (incident_id, id);

-- The durable notification outbox: one row per message to one channel,
-- covering the incident's alerts with ids first_alert_id..last_alert_id.
-- state is pending until sent (or failed for good); a worker claims a due
-- row by setting claimed_by/claimed_until, so replicas never send one row
-- twice while its claim holds, and a claim that outlives a crashed worker
-- simply expires.
CREATE TABLE outbox (
    id {{id}},
    channel TEXT NOT NULL,
    incident_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    first_alert_id BIGINT NOT NULL,
    last_alert_id BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_until BIGINT NOT NULL,
    last_attempt_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    last_error TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_incident ON outbox (incident_id, channel, id);
CREATE UNIQUE INDEX outbox_idempotency ON outbox (idempotency_key);
