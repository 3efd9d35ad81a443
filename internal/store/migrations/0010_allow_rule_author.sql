-- Who added an allow rule (the audit entry's actor), shown beside the rule
-- in the console's settings: an allow rule silences alerts, so its author
-- is part of what a reviewer reads. Rules added before this are blank.
ALTER TABLE allow_rules ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
