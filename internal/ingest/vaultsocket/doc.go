// Package vaultsocket receives HashiCorp Vault / OpenBao audit entries
// from Vault's socket audit device: honeyvault listens on TCP, Vault
// connects (vault audit enable socket address=HOST:PORT socket_type=tcp)
// and writes one JSON entry a line over a long-lived connection,
// reconnecting when a write fails. A syslog relay forwarding the syslog
// device's messages works the same (newline-framed TCP, RFC 6587's
// non-transparent framing): the syslog header before each entry's JSON
// is skipped. Over UDP (Config.Network) each datagram is one entry, from
// socket_type=udp or a syslog relay; see udp.go for what UDP can lose.
//
// The socket device has no acknowledgement: what Vault wrote is, for
// Vault, delivered. So the source reads a connection only as fast as the
// pipeline stores it: it takes the lines already received (up to
// MaxBatchLines), hands them to the runner's Poll, and reads nothing more
// from that connection until they are durable. A failed store keeps the
// batch and offers it again after the runner's backoff; meanwhile TCP's
// buffers fill and Vault's writes block — Vault's audit is synchronous,
// so Vault then refuses requests it cannot log rather than serving them
// unseen (unless another audit device, such as a file, still logs). What
// is lost is only what this process had read but not stored when it was
// killed: at most one batch per connection. Run the file device beside the
// socket, tailed by the file source, where that matters.
//
// Every line is bounded (Config.MaxLineBytes), and so are the connections
// (Config.MaxConnections: more are closed at once, and Vault reconnects
// when one frees). Config.AllowFrom limits who may connect: anyone who
// can reach the port can write entries, so bind it to a private address.
package vaultsocket
