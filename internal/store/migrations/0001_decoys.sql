-- The decoy registry (the watchlist). vault_key and name_key are lower-cased
-- so that uniqueness is case-insensitive like Key Vault itself.
CREATE TABLE decoys (
    id {{id}},
    vault_id TEXT NOT NULL,
    vault_key TEXT NOT NULL,
    vault_name TEXT NOT NULL,
    subscription_key TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    type TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    memo TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX decoys_identity ON decoys (vault_key, type, name_key);
CREATE INDEX decoys_subscription ON decoys (subscription_key);
CREATE INDEX decoys_updated ON decoys (updated_at);
