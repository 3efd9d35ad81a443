-- Per-incident tallies of its alerts, kept by InsertAlert in the alert's
-- transaction, so that the incident list's charts (IncidentCharts: alerts
-- by operation, incidents by caller) add up a few rows per incident instead
-- of reading every alert of every incident on each page view (20,000 alerts
-- at issue 15's size). Alerts are never updated or deleted, so the tallies
-- only grow. Suppressed hits (incident 0) are not tallied.
--
-- incident_operations: per incident and operation, how many alerts and the
-- greatest class (what MAX(class) over those alerts gives).
CREATE TABLE incident_operations (
    incident_id BIGINT NOT NULL,
    operation TEXT NOT NULL,
    class TEXT NOT NULL,
    alerts BIGINT NOT NULL,
    PRIMARY KEY (incident_id, operation)
);
-- incident_callers: per incident, each caller key of its alerts with the
-- greatest of their labels (the UPN, else the app id, else the IP).
CREATE TABLE incident_callers (
    incident_id BIGINT NOT NULL,
    caller_key TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (incident_id, caller_key)
);
INSERT INTO incident_operations (incident_id, operation, class, alerts)
    SELECT incident_id, operation, MAX(class), COUNT(*) FROM alerts WHERE incident_id <> 0 GROUP BY incident_id, operation;
INSERT INTO incident_callers (incident_id, caller_key, label)
    SELECT incident_id, caller_key, MAX(COALESCE(NULLIF(caller_upn, ''), NULLIF(caller_app_id, ''), caller_ip))
    FROM alerts WHERE incident_id <> 0 GROUP BY incident_id, caller_key;
