-- Canaries: a decoy whose value is a tripwire (issue 19). token is the part
-- of the value that names the decoy (a DNS label, a URL path segment, a
-- PostgreSQL user): what a listener's hit carries and is looked up by. The
-- whole value is never stored. A decoy has one canary per version of its
-- value (a new version gets a new token); decoy_id is the decoys row, kind
-- http, dns or postgres, created_at microseconds.
CREATE TABLE canaries (
    id {{id}},
    decoy_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX canaries_token ON canaries (token);
CREATE INDEX canaries_decoy ON canaries (decoy_id);

