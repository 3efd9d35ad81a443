-- Heartbeats are judged a page of vaults at a time (internal/health): each
-- page reads its vaults' recent beats by this index instead of sorting every
-- vault's beats at once.
CREATE INDEX heartbeats_vault ON heartbeats (vault_key, sent_at);
