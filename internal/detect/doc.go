// Package detect decides, exactly, whether an audit event touched a decoy,
// and how bad that is.
//
// An Index holds the decoys (added and removed at run time, safe for
// concurrent lookups); a Matcher combines it with an AllowList and turns an
// auditlog.Event into Alerts; a Prefilter lets bulk scans skip the records
// that cannot touch a decoy without parsing them.
//
// # Matching
//
// An audit event touches a decoy when all of these hold:
//   - same vault: the event's ARM id equals the decoy's (any case, trailing
//     slash ignored) or, when the event has no ARM id, the vault name from
//     its host equals the decoy's (vault names are globally unique);
//   - same object name, ASCII case-insensitively, read from properties.id or
//     else the request URI whatever its spelling — case, trailing slash,
//     version segment, percent-encoding, ":443", any cloud's host,
//     /deleted* paths (see auditlog.ParseObjectURI);
//   - compatible type: the decoy's own, or key or secret for a certificate
//     decoy (its private key and PFX are reached that way).
//
// So a name that merely starts or ends with a decoy's name, the same name
// in another vault, and a key named like a secret decoy never match.
//
// # Operations, classes and severities
//
// Every operation that names a decoy alerts, failed attempts included (a
// 401/403/404 is an attempt by someone who knew the name), and its severity
// is the operation's whatever Key Vault answered: a refused read is an
// attacker's probe and as high as a read that succeeded. List calls name no
// object and never alert; Key Vault's own Event Grid notifications (near
// expiry, new version) are not accesses and never alert.
//
//	class          severity  operations
//	read           high      SecretGet, KeyGet (public key), CertificateGet, KeyRelease
//	crypto         high      KeySign, KeyVerify, KeyEncrypt, KeyDecrypt, KeyWrap, KeyUnwrap
//	backup         high      SecretBackup, KeyBackup, CertificateBackup
//	restore        high      SecretRestore, KeyRestore, CertificateRestore (name from properties.id)
//	recover        high      SecretRecover, KeyRecover, CertificateRecover
//	list-versions  medium    SecretListVersions, KeyListVersions, CertificateListVersions
//	get-deleted    medium    SecretGetDeleted, KeyGetDeleted, CertificateGetDeleted
//	metadata       medium    CertificatePolicyGet, CertificatePendingGet, KeyRotationPolicyGet
//	write          medium    SecretSet, KeyCreate, KeyImport, CertificateCreate, CertificateImport, KeyRotate
//	update         medium    SecretUpdate, KeyUpdate, CertificateUpdate, *PolicySet/Update
//	delete         medium    SecretDelete, KeyDelete, CertificateDelete
//	purge          medium    SecretPurge, KeyPurge, CertificatePurge
//	other          medium    any other operation naming a decoy
//	used-outside-  high      canary:http, canary:dns, canary:postgres — a canary
//	key-vault                value used where honeyvault's listeners see it
//	(by the path)            Authentication (a refused sign-in): the path's verb
//	                         (…/sign crypto, …/backup backup, …); the object's
//	                         own URI read; a /deleted* URI get-deleted
//	list           —         SecretList, KeyList, CertificateList, *ListDeleted, Vault*: no alert
//	notification   —         *EventGridNotification: no alert
//
// High means the operation reads the decoy's value, uses it or copies or
// brings it back, whether or not Key Vault let it; medium means it learns
// of, changes or removes the decoy. An operation name this table does not
// know is classified by the request path's verb (…/backup, …/sign,
// …/versions), else "other".
//
// The one refused request that does not raise anything is the SDK's
// tokenless handshake (see IsAuthChallenge): it is kept as a suppressed
// hit, since the caller presented nothing and its real request follows.
//
// # Allow-listing
//
// An AllowRule names an identity (object id, app id or UPN), optionally
// operations, a Scope (a vault, a type, a decoy) and an expiry; accesses it
// covers yield alerts with Suppressed set, so they are recorded but not
// raised. Planting stores one rule per decoy it creates, scoped to that
// decoy: the Matcher indexes rules by scope, so that however many there are
// an alert is checked only against those that can cover its decoy. The
// unauthenticated first request of every SDK client (the 401 auth
// challenge) carries no identity and cannot be allow-listed; IsAuthChallenge
// suppresses it instead.
//
// # Tamper rules
//
// Matcher.Tamper reads Activity-log (control-plane) events of vaults that
// hold decoys: a diagnostic setting deleted — succeeded or refused, an
// attempt to cut the audit path — or written so that AuditEvent is no
// longer sent (judged by the record's request or response body, "changed,
// check it" when it carries none) or, once SetDestinations says which
// destinations honeyvault reads, so that AuditEvent goes only elsewhere;
// access policies written; a role assigned on the vault's scope, or on a
// subscription or resource group holding it (one alert per decoy vault the
// scope covers); the vault deleted; its network rules written. Only
// successful changes alert otherwise. The alert's Decoy names only the
// vault; its Class (audit-path-deleted, access-policy, ...) says which rule,
// DescribeTamper says it in plain words; the audit-path rules and vault
// deletion are high, the rest medium. Allow rules not scoped to one decoy
// cover them (the deployer stores one for its temporary access-policy
// grant).
//
// This package must not import internal/store, internal/web or
// internal/kvemu (an import-boundary test checks it).
package detect
