// Package source runs honeyvault's live ingestion sources (Event Hubs,
// Storage archive, Log Analytics, files) side by side: each in its own loop,
// polling at its own interval, backing off with jitter when it fails without
// holding up the others, and keeping the state the console and /metrics show
// (records, errors, last record time, lag).
//
// A source is a Poller: it reads what is available, hands it to the
// Submitter (the ingest pipeline) and acknowledges to its origin — commits a
// Kafka offset, advances a checkpoint — only after Submit returned nil.
// Checkpoints travel inside the batch, so they commit in the same
// transaction as the records they cover.
//
// The package also holds what the file-like sources share: cutting a chunk
// at its last complete line and decoding it into a batch.
package source
