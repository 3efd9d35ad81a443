// Package vaultemu is a HashiCorp Vault / OpenBao emulator for the KV v2
// secrets engine and audit devices, that the official Go client
// (github.com/hashicorp/vault/api) talks to unchanged (the vault and bao
// CLIs use the same paths; no CLI is tested here). Like kvemu for Azure Key Vault, it is the independent oracle
// honeyvault's Vault audit parser and planter are tested against, so it
// imports nothing of honeyvault and nothing outside the standard library
// (see the import-boundary test); it is built from the facts of
// shared/reference/vault-and-aws.md §1, §2 and §6.
//
// One listener on 127.0.0.1 ([NewServer] or [Server.Start] for HTTP,
// [NewTLSServer] or [Server.StartTLS] for HTTPS with a fresh CA that
// [Server.CertPool], [Server.CACertPEM] and [Server.HTTPClient] trust)
// serves /v1/. Tokens come from the Go API ([Server.CreateToken], the root
// token [Server.RootToken], [Server.LookupToken]) and are sent as
// X-Vault-Token or Authorization: Bearer; every token but root's holds the
// "default" policy (which grants lookup-self) unless told otherwise. Policies ([Server.SetPolicy]) are Vault's path stanzas as Go
// values: globs with a final "*" and "+" segments, capabilities read,
// list, create, update, delete, patch, sudo and deny, the most specific
// pattern winning by Vault's priority rules and the stanzas of one
// pattern merged across policies. A list is of a folder: its path gets a
// trailing slash (as Vault's HTTP layer adds one, and audit entries show
// it), and a wildcard-free rule naming the folder without the slash
// grants it too. A call a token may not make, or made
// with a missing or unknown token, is 403
// {"errors":["1 error occurred:\n\t* permission denied\n\n"]}; every
// error is {"errors":[...]}, a missing secret 404 {"errors":[]}.
//
// Served paths:
//
//	{mount}/data/{p}          GET [?version=N], POST|PUT {"data","options":{"cas"}}, PATCH (merge patch), DELETE (latest)
//	{mount}/metadata/{p}      GET, POST|PUT, PATCH (merge patch), DELETE (all versions), LIST or GET ?list=true
//	{mount}/detailed-metadata/{p}  LIST (OpenBao: keys and key_info); both lists take OpenBao's after and limit
//	{mount}/delete|undelete|destroy/{p}  POST|PUT {"versions":[…]} (numbers or numeric strings)
//	{mount}/config            GET, POST|PUT (the mount's max_versions, cas_required, delete_version_after)
//	sys/mounts                GET (each KV mount: type kv, options.version "2")
//	sys/mounts/{path}         POST|PUT {"type":"kv","options":{"version":"2"}} (or kv-v2), DELETE
//	sys/internal/ui/mounts/{path}  GET (what `vault kv` asks first)
//	sys/audit                 GET;  sys/audit/{name} PUT|POST {"type","options"}, DELETE
//	sys/audit-hash/{name}     PUT|POST {"input"} → {"hash":"hmac-sha256:…"}
//	sys/config/auditing/request-headers[/{name}]  GET; PUT|POST {"hmac"}, DELETE (headers entries carry)
//	auth/token/lookup-self    GET (the caller's accessor and entity, for an allow-list)
//	sys/health, sys/seal-status  GET, with no token and no audit entry, as in Vault
//
// Mounts are configured (Options.Mounts, [Server.AddMount]; paths may hold
// slashes, "kv/team-a/") with max_versions, cas_required and
// delete_version_after; secrets keep
// versions, soft deletion, destruction, custom_metadata (returned on data
// reads too), max_versions and delete_version_after (applied lazily, on
// the next access). A deleted or destroyed version reads as 404 with
// {"data":{"data":null,"metadata":{…}}}. A path without data/, metadata/,
// … (KV v1's shape, `vault read secret/foo`) is 404 with null data and
// Vault's "Invalid path for a versioned K/V secrets engine" warning.
//
// Audit devices: file (file_path, "stdout" and "discard" included, mode)
// and socket (address, socket_type tcp|udp|unix, write_timeout), with
// prefix, log_raw, hmac_accessor and elide_list_responses; format json
// only. Enabling a device writes the test probe (a request entry, update
// of sys/audit/test, no auth) to it; enabled through the API, it then
// also gets the response entry of the call that enabled it. Every request then writes a request
// entry to every device before it runs and a response entry after it ran
// and before the client gets the answer, both with the same request.id:
// one compact JSON object and "\n" per entry, the prefix before it. The
// device's own salt HMACs (hmac-sha256:<hex>) the client token, the
// accessors and every string leaf of request.data and response.data
// (empty strings too); paths, operations, mounts, remote address and
// port, display name, policies, metadata, entity id, errors, numbers and
// booleans are clear. Operations are read, create (a POST/PUT to a data/
// or metadata/ path that does not exist yet), update, delete, list and
// patch. A denied call has "error":"permission denied" on its request
// entry and Vault's full error text on its response entry, whose
// response.data.error is HMAC'd; its auth is the token's with
// policy_results.allowed false, or only {"token_type":"default"} when
// the token was missing or unknown. The socket device keeps one
// connection and redials once after a failed write. When devices are
// enabled and none can write an entry, the request fails with 500
// {"errors":["internal error"]} (Vault stops serving rather than serve
// unaudited).
//
// [Server.Seed] and [Server.SeedEstate] fill mounts without audit entries:
// an estate is realistic secrets in one seed-determined layout per mount
// (apps/payments/db, apps/payments/stripe, ci/github/deploy-key,
// teams/data/snowflake, …; or prod/payments/db, staging/payments/db, …)
// with owners in custom_metadata and older versions, for a planter to
// blend decoys into.
//
// A body that is not one JSON object is refused with 400 before any audit
// entry (Vault's HTTP layer rejects it before the request is audited).
//
// Entries carry no request header unless it is configured for audit
// (request.headers, lower-cased names, lists of values, HMAC'd on
// request; [Server.AuditRequestHeader]). request.client_id is the token's
// entity id (Vault derives it from the
// entity when there is one); with Options.TrustForwardedFor the first
// X-Forwarded-For address is the caller's remote_address.
//
// Not emulated: namespaces (the X-Vault-Namespace header is ignored, every
// entry names the root namespace), auth methods and token endpoints other
// than lookup-self, leases, response wrapping, KV v1, OpenBao's SCAN,
// OpenBao's refusal of API-created audit devices
// (unsafe_allow_api_audit_creation), the syslog and http audit devices,
// the jsonx format, the client_id of a token without an
// entity, and request forwarding. Time in answers and entries comes from
// Options.Now.
//
// All methods of [Server] are safe for concurrent use.
package vaultemu
