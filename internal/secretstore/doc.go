// Package secretstore plants decoys into the secret stores other than Key
// Vault — HashiCorp Vault / OpenBao KV v2 mounts and AWS Secrets Manager —
// and keeps the registry true to them. (Key Vault has its own deployer,
// package deploy, with access policies, certificates and throttling that
// these stores do not have.)
//
// A Provider is one kind of store as the deployer needs it: Stores finds
// the stores the client can reach (KV v2 mounts; one account's Secrets
// Manager per configured region), Inventory lists their secrets' names and
// metadata or tags (never a value: reading a real secret's value would be
// a needless read of it), Create writes a decoy (its value as fields, its
// metadata or tags), Delete removes one for good, Exists answers by a list
// call (a read naming a decoy would alert), and Planter says who the
// client is as the store's audit records name it, for the allow rule of
// its own create. Its subpackages implement it: secretstore/vault (HashiCorp
// Vault / OpenBao) and secretstore/awssm (AWS Secrets Manager).
//
// The Deployer works store by store, several at once, as deploy does for
// Key Vault: Prepare inventories each store and asks plant.Planner.Plan
// for a plan (the dry run stops there); Apply records each planned decoy
// as pending with the planter's allow rule for its own create
// (store.BeginPlanting), creates it, and completes the records in one
// commit per store (CompletePlantings); a create the store refused
// definitely (Definite) is abandoned (AbandonPlanting), one with no clear
// answer stays pending for Reconcile to settle. A store's failure does not
// stop the others. Retire deletes decoys and keeps their rows as retired;
// Reconcile settles pending decoys and marks those gone from their store.
package secretstore
