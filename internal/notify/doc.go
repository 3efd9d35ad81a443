// Package notify tells people about incidents: channels (one sub-package
// each: webhook, slack, teams, email, syslog, loganalytics), per-channel
// filters, and the
// durable outbox that delivers to them.
//
// # The outbox
//
// The incident recorder calls Outbox.Enqueue inside the ingest transaction:
// for every channel whose Filter takes the incident, a row goes into the
// outbox table in the same commit as the event, the alert and the incident
// change. Nothing is lost between detection and delivery, and detection
// never waits for a channel.
//
// A Worker delivers the rows. It claims due rows (so that replicas never
// send one row at the same time), renders each into a Message, and calls the
// channel's Notifier. A Notifier says whether a failure is worth retrying,
// in the manner of Alertmanager: retryable failures (timeouts, refused
// connections, HTTP 408/429/5xx, SMTP 4xx) are tried again with exponential
// backoff (Backoff) until MaxAttempts; permanent ones (HTTP 4xx, SMTP 5xx)
// mark the row failed at once. Every channel has its own senders, so a slow
// or failing channel never holds up the others. Rows stay in the table until
// sent or failed, so they survive restarts. A claim lasts a short lease
// (DefaultLease), renewed while the send runs; a claim held by a worker that
// died expires after its lease, or at once when the same process instance
// restarts (Worker.SetInstance). A row that was sent but not yet marked sent
// when the process died is sent again: receivers deduplicate with the
// idempotency key every message carries (payload field and Idempotency-Key
// header).
//
// # Timing
//
// A channel's first message about an incident is due at once: with
// Outbox.Worker set it is inserted already claimed by this process's worker
// and, once the transaction has committed (store.Tx.OnCommit), its id is
// handed to the worker (Worker.Handoff), which reads the committed row and
// sends it with no further write first; the worker is also woken
// (Worker.Wake) to read the outbox for anything else. A transaction that
// rolls back hands nothing on. Later alerts of the same incident are batched:
// they join the channel's pending message about it, or start one due
// incidents.batch_interval later.
//
// # Health
//
// honeyvault_notify_* metrics count sent messages, failures by kind and
// give-ups, and show each channel's pending backlog and whether its last
// attempt worked; Worker.Status gives the same to the console's API.
package notify
