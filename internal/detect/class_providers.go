package detect

import (
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// VaultOperationPrefix starts the operation of every HashiCorp Vault
// event: "vault:" and the audit entry's request.operation (read, create,
// update, patch, delete, list), as the lab's self-test names them
// ("vault:read").
const VaultOperationPrefix = "vault:"

// vaultClasses classifies a HashiCorp Vault KV v2 request by the path's
// segment after the mount (the event's Action: data, metadata, delete,
// undelete, destroy, subkeys) and its operation.
var vaultClasses = map[string]map[string]Class{
	"data": {"read": ClassRead, "create": ClassWrite, "update": ClassWrite, "patch": ClassWrite, "delete": ClassDelete},
	// A metadata read lists the versions and custom metadata; deleting
	// the metadata destroys every version for good.
	"metadata":          {"read": ClassMetadata, "create": ClassUpdate, "update": ClassUpdate, "patch": ClassUpdate, "delete": ClassPurge, "list": ClassList},
	"detailed-metadata": {"list": ClassList},
	"subkeys":           {"read": ClassMetadata},
	"delete":            {"create": ClassDelete, "update": ClassDelete},
	"undelete":          {"create": ClassRecover, "update": ClassRecover},
	"destroy":           {"create": ClassPurge, "update": ClassPurge},
	// No segment: the KV v1 form {mount}/{path}, which a KV v2 mount
	// refuses but which names the secret all the same (an attacker's old
	// habit): classed as what it tried.
	"": {"read": ClassRead, "create": ClassWrite, "update": ClassWrite, "patch": ClassWrite, "delete": ClassDelete},
}

// secretsManagerClasses classifies AWS Secrets Manager CloudTrail events
// by eventName, spelled as CloudTrail spells them.
var secretsManagerClasses = map[string]Class{
	"GetSecretValue": ClassRead, "BatchGetSecretValue": ClassRead,
	"DescribeSecret": ClassMetadata, "GetResourcePolicy": ClassMetadata, "ValidateResourcePolicy": ClassMetadata,
	"ListSecretVersionIds": ClassListVersions,
	"PutSecretValue":       ClassWrite, "UpdateSecret": ClassWrite, "RotateSecret": ClassWrite, "CreateSecret": ClassWrite,
	"UpdateSecretVersionStage": ClassUpdate, "TagResource": ClassUpdate, "UntagResource": ClassUpdate,
	"PutResourcePolicy": ClassUpdate, "DeleteResourcePolicy": ClassUpdate, "CancelRotateSecret": ClassUpdate,
	"ReplicateSecretToRegions": ClassUpdate, "RemoveRegionsFromReplication": ClassUpdate, "StopReplicationToReplica": ClassUpdate,
	"DeleteSecret":  ClassDelete,
	"RestoreSecret": ClassRecover,
	"ListSecrets":   ClassList,
	// Secrets Manager's own events (eventType AwsServiceEvent): no caller.
	"RotationStarted": ClassNotification, "RotationSucceeded": ClassNotification, "RotationFailed": ClassNotification,
	"RotationAbandoned": ClassNotification, "StartSecretVersionDelete": ClassNotification,
	"CancelSecretVersionDelete": ClassNotification, "EndSecretVersionDelete": ClassNotification,
}

// classifyProvider classifies an event of a store other than Key Vault;
// ok is false for a Key Vault event.
func classifyProvider(ev *auditlog.Event) (c Class, ok bool) {
	switch registry.ProviderOf(ev.VaultID) {
	case registry.HashiCorpVault:
		op, _ := strings.CutPrefix(ev.Operation, VaultOperationPrefix)
		if c, ok := vaultClasses[ev.Action][op]; ok {
			return c, true
		}
		if op == "list" {
			return ClassList, true
		}
		return ClassOther, true
	case registry.AWSSecretsManager:
		if c, ok := secretsManagerClasses[ev.Operation]; ok {
			return c, true
		}
		return ClassOther, true
	}
	return "", false
}
