// Package lab runs honeyvault's whole loop on one machine: the Key Vault
// emulator (internal/kvemu) with an estate of realistic vaults, a complete
// honeyvault server (internal/app) on the embedded SQLite default, audit
// records streaming from every vault's diagnostic setting (and each
// subscription's Activity log) to honeyvault's HTTP ingest endpoint, and decoys planted into every vault by the real
// planting code (internal/deploy) as the SOC's planter identity — but for a
// new team's vault created after the planting, which honeyvault discovers
// with no decoy, so that the console shows a vault that is not covered.
//
// Beyond Azure, the estate holds a HashiCorp Vault server (internal/vaultemu,
// two KV v2 mounts) and an AWS account's Secrets Manager (internal/awsemu,
// two regions). Once honeyvault serves, Vault's socket audit device streams
// to serve's Vault socket source and the account's CloudTrail events reach
// the aws-cloudtrail ingest endpoint as an EventBridge API destination
// pushes them; then the real planting code (internal/secretstore) records
// both stores in the inventory and plants decoy secrets into them as the
// planter, whose token and IAM user hold exactly the documented policies.
//
// Start brings a lab up in a directory and Close takes it down; everything
// the lab writes lives in that directory. While it runs, the directory holds
// a state file (StateFile) through which Attack, in another process, plays
// an outside identity against the emulator with the unchanged Azure SDK,
// covering its tracks (it deletes a decoy vault's diagnostic setting, then
// reads a decoy there), using decoy secrets' values outside Key Vault (the
// lab runs honeyvault's three canary listeners on loopback, and every decoy
// secret's value is a canary pointing at them), and last reading a decoy in
// the Vault server and one in Secrets Manager with their own official
// clients, as the identity's Vault token and role session. Selftest runs
// the original Sentinel solution's own test — download the public key of a
// decoy key, read a decoy secret — then the same covering of tracks and
// canary uses, a Vault decoy read (vault:read) and a Secrets Manager
// GetSecretValue, and checks that each access, the deletion and each use
// became an incident naming the operation, the caller and the vault, and
// that a webhook received it.
package lab
