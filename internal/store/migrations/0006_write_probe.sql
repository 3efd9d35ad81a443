-- One row that readiness (Store.Writable) rewrites when no write has told
-- lately whether the database still takes writes: a full disk, a read-only
-- database or a lost connection fail this as they fail storing records.
CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL
);
