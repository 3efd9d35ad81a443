-- Identity and access: API tokens, console sessions and the audit trail of
-- honeyvault's own actions.
--
-- Tokens and sessions are stored only as the hex SHA-256 of their secret, so
-- a copy of the database signs nobody in. scope is JSON:
-- {"subscriptions": [...], "vaults": [...]}.
CREATE TABLE api_tokens (
    id {{id}},
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    prefix TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL,
    revoked_by TEXT NOT NULL
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (hash);

-- credential names what the session was opened with ("oidc", "token:12",
-- "bootstrap:admin:FINGERPRINT") so that revoking a token or rotating a
-- bootstrap token also ends the sessions it opened.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    credential TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    remote_addr TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_subject ON sessions (subject);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

-- Append-only: honeyvault never updates or deletes an audit row.
CREATE TABLE audit_log (
    id {{id}},
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    remote_addr TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action);
