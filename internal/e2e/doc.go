// Package e2e holds tests that run the built honeyvault binary as a real
// `serve` process, on SQLite and on PostgreSQL, and treat it as a client,
// an attacker or an operator would: hostile and oversized input, kill -9 in
// the middle of work, resources it must keep bounded. It has no code of its
// own beyond its tests.
package e2e
