-- Indexes for the console's pages at issue 15's size (2,000 vaults, 10,000
-- decoys, 1,000 incidents of 20 alerts; see BenchmarkConsolePages).
--
-- /incidents?range= selects incidents by last alert.
CREATE INDEX incidents_last_seen ON incidents (last_seen);
-- The decoy list's "last touched" (DecoysLastTouched): a decoy's newest
-- alert that was not allow-listed, without reading every alert.
CREATE INDEX alerts_decoy ON alerts (decoy_id, suppressed, time);
-- The incident list's rows (IncidentDigests) read these columns of the
-- listed incidents' alerts: from the index alone, not the wide alert rows.
CREATE INDEX alerts_incident_operation ON alerts (incident_id, operation, class, token);
