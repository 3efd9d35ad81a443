// Package azure is honeyvault's side of Azure: which subscriptions and key
// vaults an identity can see, each vault's tags, permission model and access
// policies, access-policy changes, and per-vault data-plane clients for
// secrets, keys and certificates. It wraps the Azure SDK for Go (azidentity,
// armkeyvault, azsecrets, azkeys, azcertificates) in a few small types so
// that planting, retiring and reconciling read as what they do.
//
// Nothing here reads a secret's value: objects are described by list calls
// only, and keys by their public part.
//
// Every client is built from Options, whose ClientOptions carry the
// transport, cloud configuration and retry settings: production passes the
// zero value (Azure public cloud), tests pass the Key Vault emulator's
// transport and cloud (internal/kvemu), and the same code runs against both.
//
// # Subscriptions
//
// Discovery covers the subscriptions named in the settings or, when none
// are, every subscription the credential can see (GET /subscriptions on
// Resource Manager, the call `az account list` makes).
package azure
