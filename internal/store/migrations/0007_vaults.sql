-- The vault inventory: every key vault discovery has listed, whether or not
-- it holds a decoy, so that coverage can say which vaults have none.
-- vault_key is registry.VaultKey of the ARM id (lower case, no trailing
-- slash); vault_name, subscription_key and vault_key carry the same names
-- as in decoys so that a VaultScope selects both. A vault a complete
-- listing of its subscription no longer returns is marked gone (gone_at),
-- never deleted. tags is a JSON object; booleans are 0/1; times are
-- microseconds. planting_blocked says why planting cannot work there, as
-- far as discovery could tell without writing ("" for nothing known).
CREATE TABLE vaults (
    vault_key TEXT PRIMARY KEY,
    vault_id TEXT NOT NULL,
    vault_name TEXT NOT NULL,
    subscription_key TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    resource_group TEXT NOT NULL,
    location TEXT NOT NULL,
    rbac INTEGER NOT NULL,
    tags TEXT NOT NULL,
    soft_delete INTEGER NOT NULL,
    purge_protection INTEGER NOT NULL,
    planting_blocked TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    gone_at BIGINT NOT NULL
);
CREATE INDEX vaults_subscription ON vaults (subscription_key, gone_at);

-- Each subscription discovery has tried: its display name, when its vaults
-- were last listed completely, and the error of the latest attempt ("" when
-- it succeeded), so that a subscription that cannot be listed is shown
-- rather than silently counted as empty.
CREATE TABLE subscriptions (
    subscription_key TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    listed_at BIGINT NOT NULL,
    tried_at BIGINT NOT NULL,
    error TEXT NOT NULL
);

-- Coverage counts every vault's decoys by type and status
-- (CountDecoysByVault): from this index alone, without reading the rows.
CREATE INDEX decoys_coverage ON decoys (vault_key, type, status);
