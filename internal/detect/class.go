package detect

import (
	"slices"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// Class is what an operation does to an object. The package documentation
// holds the table of every operation, its class and its severity.
type Class string

// Operation classes.
const (
	ClassRead         Class = "read"          // the value or material came back
	ClassCrypto       Class = "crypto"        // the key was used
	ClassBackup       Class = "backup"        // an encrypted copy left the vault
	ClassRestore      Class = "restore"       // a backup of the object was brought back
	ClassRecover      Class = "recover"       // a deleted object was brought back
	ClassListVersions Class = "list-versions" // its versions were enumerated
	ClassGetDeleted   Class = "get-deleted"   // its deleted copy was read
	ClassMetadata     Class = "metadata"      // policies, pending operations, attributes
	ClassWrite        Class = "write"         // a new version was set, created or imported
	ClassUpdate       Class = "update"        // attributes, tags or policies changed
	ClassDelete       Class = "delete"
	ClassPurge        Class = "purge"
	ClassOther        Class = "other"        // an operation this table does not know
	ClassList         Class = "list"         // names no object: never alerts
	ClassNotification Class = "notification" // Key Vault's own Event Grid events: never alert
	// ClassCanary is a decoy's value used outside Key Vault: one of
	// honeyvault's canary listeners saw it (an auditlog.KindCanary event).
	ClassCanary Class = "used-outside-key-vault"
)

// Severity ranks an alert.
type Severity string

// Severities.
const (
	High   Severity = "high"
	Medium Severity = "medium"
)

// Alerts reports whether an access of this class raises an alert.
func (c Class) Alerts() bool { return c != ClassList && c != ClassNotification }

// Severity is the class's severity: High for an operation that reads the
// decoy's value or material, uses the key, or copies or brings the object
// back (read, crypto, backup, restore, recover), Medium for the rest. It
// follows what was attempted, not Key Vault's answer: a refused read of a
// decoy (401, 403, 404) is an attacker's probe and is High all the same.
// A canary value used outside Key Vault is High: whoever used it had it.
func (c Class) Severity() Severity {
	switch c {
	case ClassRead, ClassCrypto, ClassBackup, ClassRestore, ClassRecover, ClassCanary,
		ClassAuditPathDeleted, ClassAuditPathDisabled, ClassAuditPathChanged, ClassAuditPathRedirected, ClassVaultDeleted:
		return High
	}
	return Medium
}

// operations maps lower-cased Key Vault operation names to classes.
var operations = map[string]Class{}

// classOperations is the table operations is built from, with the
// operation names spelled as Key Vault logs them.
var classOperations = map[Class][]string{
	ClassRead: {"SecretGet", "KeyGet", "CertificateGet", "KeyRelease", "KeyExport"},
	ClassCrypto: {"KeySign", "KeyVerify", "KeyEncrypt", "KeyDecrypt", "KeyWrap", "KeyUnwrap",
		"KeyWrapKey", "KeyUnwrapKey"},
	ClassBackup:       {"SecretBackup", "KeyBackup", "CertificateBackup"},
	ClassRestore:      {"SecretRestore", "KeyRestore", "CertificateRestore"},
	ClassRecover:      {"SecretRecover", "KeyRecover", "CertificateRecover"},
	ClassListVersions: {"SecretListVersions", "KeyListVersions", "CertificateListVersions"},
	ClassGetDeleted:   {"SecretGetDeleted", "KeyGetDeleted", "CertificateGetDeleted"},
	ClassMetadata: {"CertificatePolicyGet", "CertificatePendingGet", "KeyRotationPolicyGet",
		"KeyGetAttestation", "CertificateGetPending"},
	ClassWrite: {"SecretSet", "KeyCreate", "KeyImport", "CertificateCreate", "CertificateImport",
		"KeyRotate", "KeyRotateIfDue", "CertificatePendingMerge"},
	ClassUpdate: {"SecretUpdate", "KeyUpdate", "CertificateUpdate", "CertificatePolicySet",
		"CertificatePolicyUpdate", "KeyRotationPolicySet", "CertificatePendingUpdate"},
	ClassDelete: {"SecretDelete", "KeyDelete", "CertificateDelete", "CertificatePendingDelete"},
	ClassPurge:  {"SecretPurge", "KeyPurge", "CertificatePurge"},
	ClassList: {"SecretList", "KeyList", "CertificateList", "SecretListDeleted", "KeyListDeleted",
		"CertificateListDeleted", "VaultGet", "VaultPut", "VaultPatch", "VaultDelete"},
}

// Operations returns the Key Vault operation names of a class, sorted, as
// Key Vault spells them; nil for a class no name maps to (other,
// notification, the tamper classes). Exports that must agree with the
// matcher (the Sentinel analytics rules) derive their lists from it, so
// that the two cannot drift apart.
func Operations(c Class) []string {
	ops := slices.Clone(classOperations[c])
	slices.Sort(ops)
	return ops
}

func init() {
	for class, ops := range classOperations {
		for _, op := range ops {
			operations[strings.ToLower(op)] = class
		}
	}
}

// actionClasses classifies by the request path's verb when the operation
// name is unknown (or "Authentication": see Classify).
var actionClasses = map[string]Class{
	"backup": ClassBackup, "recover": ClassRecover, "restore": ClassRestore, "versions": ClassListVersions,
	"sign": ClassCrypto, "verify": ClassCrypto, "encrypt": ClassCrypto, "decrypt": ClassCrypto,
	"wrapkey": ClassCrypto, "unwrapkey": ClassCrypto, "release": ClassRead,
	"create": ClassWrite, "import": ClassWrite, "rotate": ClassWrite,
	"rotationpolicy": ClassMetadata, "pending": ClassMetadata, "policy": ClassMetadata, "attestation": ClassMetadata,
}

// Classify returns the class of an audit event's operation. Events of
// HashiCorp Vault and AWS Secrets Manager stores are classified by their
// own tables (class_providers.go); a Key Vault event by its name
// (any case), else by the request path, else ClassOther — an unknown
// operation that names a decoy still alerts. Key Vault's Event Grid
// notifications (…EventGridNotification) are ClassNotification.
//
// A request Key Vault refused at sign-in (a bad, expired or foreign token)
// is logged as "Authentication", with neither the operation nor the HTTP
// method: what was attempted is read from the path, and a path that names
// an object and no verb after it (GET, PUT, PATCH or DELETE of the object)
// counts as a read, the worst of them, so that such a probe of a decoy
// ranks like the read it most likely was.
func Classify(ev *auditlog.Event) Class {
	if ev.Kind == auditlog.KindCanary {
		return ClassCanary // only honeyvault's own listeners make these
	}
	if c, ok := classifyProvider(ev); ok {
		return c
	}
	op := strings.ToLower(ev.Operation)
	if c, ok := operations[op]; ok {
		return c
	}
	if strings.HasSuffix(op, "eventgridnotification") {
		return ClassNotification
	}
	if c, ok := actionClasses[ev.Action]; ok {
		return c
	}
	if ev.Deleted {
		return ClassGetDeleted
	}
	if op == authentication && ev.ObjectName != "" && ev.Action == "" {
		return ClassRead
	}
	return ClassOther
}

// authentication is the operation name of a request Key Vault refused
// before routing it: no token it accepts.
const authentication = "authentication"
