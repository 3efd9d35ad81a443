// Package deploy is honeyvault's deployer: it puts the decoys that package
// plant designs into real Key Vaults and keeps the registry true to them.
// Everything here talks to Azure (through internal/azure) or to the store;
// plant itself makes no call.
//
// A Deployer, built by Setup from the plant settings or filled in by hand,
// works vault by vault, several vaults at once (Concurrency, taken
// round-robin across subscriptions):
//
//   - Preflight: may the planter list, create and delete each type? List
//     is observed with a list call (list calls name no object, so they
//     touch no decoy); create and delete are inferred from an access-policy
//     vault's policy, and stay unknown on RBAC vaults until tried.
//   - Temporary grants (GrantTemporary): on an access-policy vault the
//     planter lacks permissions in, it adds what planting needs and Release
//     removes it again however the run ends.
//   - Inventory: the vault's objects as list calls describe them, deleted
//     ones included, and the key type of a few existing keys; then
//     Planner.Plan decides what to create.
//   - Apply: each decoy is recorded as pending with the planter's allow rule
//     for its own create, then created, then marked planted, so no decoy
//     can exist unrecorded. Every change the deployer makes, in the
//     database or in a vault's access policy, is an audit-trail row naming
//     who asked (Actor) and the planter.
//   - Retire deletes (and optionally purges) decoys and keeps their rows as
//     retired; Reconcile compares the registry with the vaults by list
//     calls and records what changed outside honeyvault.
//
// Every request passes a Limiter: token buckets per vault and per
// subscription for each class of Key Vault service limit, with headroom,
// and a hold for a 429's Retry-After. Targets turns vault selectors into
// vaults. Progress reports each vault's phase as it happens.
package deploy
