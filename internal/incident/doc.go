// Package incident turns alerts into incidents an analyst can work: it
// groups them, ranks them, names them, and keeps every change with who and
// when.
//
// # Grouping
//
// In the spirit of Alertmanager's group_by, an alert's group key is the
// values of the configured labels (incidents.group_by, default vault and
// caller):
//
//	vault      the decoy's vault (ARM id, any case)
//	caller     the caller identity: object id, else app id, else UPN, else IP (auditlog.Caller.Key)
//	decoy      the decoy itself (vault, type, name)
//	ip         the caller's IP address
//	operation  the Key Vault operation (SecretGet, ...)
//	class      the operation class (read, crypto, backup, ...)
//	severity   the alert's severity
//
// ["..."] gives every alert its own incident. An alert joins the newest
// incident with its group key when that incident is open (new or active)
// and the alert's time lies within incidents.group_window (default 5h) of
// the incident's first and last alert; the window slides with every alert
// that joins. So a new access by the same caller on the same vault joins
// the open incident, and an access hours after the last one opens a new
// incident.
//
// New activity after an incident was closed opens a new incident that links
// to the closed one (PreviousID) — it is never reopened automatically: the
// closed incident keeps the classification an analyst gave it (a
// benign_positive pen test stays one), and the new incident shows that
// history at a glance. An analyst can still reopen a closed incident by hand.
// An incident outside the window is linked the same way.
//
// A decoy's canary value used outside Key Vault (an alert of an
// auditlog.KindCanary event, operation canary:http, canary:dns or
// canary:postgres) joins the newest incident still open that holds an alert
// of the same decoy, whatever its group key and however old (or the group
// of a read of the decoy committed in the same batch): the value was
// read, then used, and the analyst sees both in one incident. With no such
// incident it is grouped like any other alert — by default its vault and
// the address that used it — and opens one titled TitleCanary.
//
// On PostgreSQL two replicas may record alerts of one group at once;
// find-or-create runs under a transaction-scoped advisory lock on the group
// key (store.Tx.LockGroup), taken for all keys of a batch in sorted order.
//
// # Severity
//
// An alert is high (the operation reads, uses, copies or brings back the
// decoy's value: read, crypto, backup, restore, recover) or medium (it
// learns of, changes or removes the decoy), by the operation attempted
// whether or not Key Vault refused it; see internal/detect. An incident's severity is the highest of its
// alerts, raised one step when its alerts touched DecoysToRaise (3) or more
// distinct decoys — someone walking through a vault's secrets is worse than
// one stray read:
//
//	alerts       decoys touched  incident
//	medium only  1-2             medium
//	medium only  3+              high
//	any high     1-2             high
//	any high     3+              critical
//
// Severity never falls while alerts join.
//
// # Lifecycle
//
//	new ──assign/comment──► active ──close──► closed ──reopen──► active
//	  └──────────────────close──────────────────┘
//
// Closing needs a classification: true_positive (malicious), benign_positive
// (real but expected: a pen test, a mistaken script) or false_positive (not
// a real access). Every change — created, alerts added, severity raised,
// assigned, commented, closed, reopened — is a history row with who and
// when, and people's changes also go to the audit trail (incident.update).
//
// # Titles
//
// As the original Sentinel analytics rules named them, by the type of the
// decoy that opened the incident: "HoneyTokens: KeyVault HoneyTokens secret
// accessed", "... key accessed", "... certificate accessed", and for tamper
// alerts (an activity record on a decoy vault) by their rule: "HoneyTokens:
// KeyVault HoneyTokens diagnostic settings deleted or changed" (the
// original's third rule), "... vault access changed" (access policies, role
// assignments) and "... vault deleted or changed".
//
// This package must not import internal/web or internal/notify.
package incident
