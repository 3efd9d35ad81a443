-- What each replica is behind and doing, noted with its heartbeat row, for
-- GET /api/v1/cluster and the console's cluster page: lag_micros is the
-- largest lag among the sources it runs (how old a record was when it was
-- stored, as each source reports it), stored_last_minute the records it
-- stored in the minute before last_seen, sources the JSON array of the
-- names of the sources it runs, backlog the records waiting in the Event
-- Hubs/Kafka partitions it consumes beyond those it read (consumer lag).
-- Rows noted before this read as idle.
ALTER TABLE replicas ADD COLUMN lag_micros BIGINT NOT NULL DEFAULT 0;
ALTER TABLE replicas ADD COLUMN stored_last_minute BIGINT NOT NULL DEFAULT 0;
ALTER TABLE replicas ADD COLUMN sources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE replicas ADD COLUMN backlog BIGINT NOT NULL DEFAULT 0;
