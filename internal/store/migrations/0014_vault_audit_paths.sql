-- What the diagnostics check last found for each vault holding decoys:
-- whether a diagnostic setting sends AuditEvent to a destination honeyvault
-- reads. state is auditpath.State (ok, no-setting, no-audit-event,
-- elsewhere, refused, failed); reason is plain words ("" when ok); fix is
-- the az command that mends it ("" when ok or none is known); checked_at is
-- microseconds. Keyed like vaults and decoys: registry.VaultKey of the id.
CREATE TABLE vault_audit_paths (
    vault_key TEXT PRIMARY KEY,
    vault_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    fix TEXT NOT NULL,
    checked_at BIGINT NOT NULL
);
