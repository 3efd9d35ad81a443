-- The registry's change sequence: every transaction that writes decoys
-- first takes the next number here (UPDATE ... SET seq = seq + 1), and
-- stamps it on the rows it writes (decoys.change_seq). Writers queue on
-- this one row (PostgreSQL's row lock; SQLite's single writer), so numbers
-- follow commit order, and a read that sees seq = n sees every change
-- numbered up to n and none after: detection's sync asks for
-- change_seq > n, exactly what changed since its last read, instead of
-- re-reading a minute of updated_at. Decoys stored before this migration
-- have change_seq 0; detection's first read takes the whole table anyway.
-- An older honeyvault still running beside a newer one during a rolling
-- upgrade writes decoys without a number (0): the index's second column
-- lets a sync find those by updated_at, as before this migration, without
-- reading the numbered ones (store.EachDecoyChangedAfter).
CREATE TABLE registry_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO registry_changes (id, seq) VALUES (1, 0);
ALTER TABLE decoys ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX decoys_change_seq ON decoys (change_seq, updated_at);
