-- The incident list's chart of alerts by operation groups the tallies of
-- migration 0009 by operation: with the rows in operation order (and the
-- columns it sums in the index), SQLite reads the index once in order
-- instead of probing every incident's tallies and sorting ~10,000 rows
-- into a temporary B-tree on each view (see IncidentCharts).
CREATE INDEX incident_operations_chart ON incident_operations (operation, incident_id, class, alerts);
