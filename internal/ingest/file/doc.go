// Package file follows audit-log files: one file, or every matching file
// under a directory (archive replays, forwarders writing JSON lines).
//
// JSON-lines files are read incrementally: each poll reads from the
// checkpointed offset up to the last complete line, and the new offset
// commits in the same transaction as the records, so a restart resumes
// exactly. A last line without a line end waits until the file has not
// changed for Settle. A file whose inode changes, that shrinks, or whose
// first bytes change (rotation, truncation, copytruncate) is read again
// from the start; dedupe makes the re-read harmless. Documents (a
// pretty-printed {"records":[...]}, a Log Analytics export array) and .gz
// files are read whole, once, and again only if they change.
package file
