-- The names of the diagnostic settings that, at the last check, sent
-- AuditEvent to a destination honeyvault reads (a JSON array; '[]' when
-- none or not checked): the tamper rules leave a change to any other
-- setting of the vault be, since it cannot cut the audit path.
ALTER TABLE vault_audit_paths ADD COLUMN routes TEXT NOT NULL DEFAULT '[]';
