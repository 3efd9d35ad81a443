-- Retention pages through events by id (see PruneEvents) instead of by
-- received_at: ids grow in the order records are received, so the oldest
-- records are the lowest ids. events_received served only retention, and
-- its insert, one of five B-tree inserts per stored record, is no longer
-- paid on the ingest path.
DROP INDEX events_received;
