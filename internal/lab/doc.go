// Package lab runs honeyvault's whole loop on one machine: the Key Vault
// emulator (internal/kvemu) with an estate of realistic vaults, a complete
// honeyvault server (internal/app) on the embedded SQLite default, audit
// records streaming from every vault's diagnostic setting (and each
// subscription's Activity log) to honeyvault's HTTP ingest endpoint, and decoys planted into every vault by the real
// planting code (internal/deploy) as the SOC's planter identity — but for a
// new team's vault created after the planting, which honeyvault discovers
// with no decoy, so that the console shows a vault that is not covered.
//
// Start brings a lab up in a directory and Close takes it down; everything
// the lab writes lives in that directory. While it runs, the directory holds
// a state file (StateFile) through which Attack, in another process, plays
// an outside identity against the emulator with the unchanged Azure SDK,
// covering its tracks (it deletes a decoy vault's diagnostic setting, then
// reads a decoy there) and last using decoy secrets' values outside Key
// Vault: the lab runs honeyvault's three canary listeners on loopback, and
// every decoy secret's value is a canary pointing at them. Selftest runs
// the original Sentinel solution's own test — download the public key of a
// decoy key, read a decoy secret — then the same covering of tracks and
// canary uses, and checks that each access, the deletion and each use
// became an incident naming the operation, the caller and the vault, and
// that a webhook received it.
package lab
