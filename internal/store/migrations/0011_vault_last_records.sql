-- The time of each vault's newest stored record, kept by Accept in the
-- ingest transaction (one upsert per distinct vault of each commit, with
-- the greatest time of its fresh records) and by PruneEvents for the vaults
-- whose records it deletes, so that the coverage pages read one row per
-- vault instead of probing the events index once per vault on every view
-- (2,000 probes at issue 15's size). Keyed like events.vault_name: the
-- vault's name in lower case (Key Vault names are unique across Azure).
-- last_record is MAX(events.time) of that name, 0 when none is left.
CREATE TABLE vault_last_records (
    vault_name TEXT PRIMARY KEY,
    last_record BIGINT NOT NULL
);
INSERT INTO vault_last_records (vault_name, last_record)
    SELECT vault_name, MAX(time) FROM events GROUP BY vault_name;
