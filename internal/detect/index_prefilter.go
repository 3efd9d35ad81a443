package detect

import "github.com/honeyvault/honeyvault/internal/registry"

// Prefilter returns a prefilter of the indexed decoys' names, for bulk
// scans (it does not follow later changes to the index).
func (ix *Index) Prefilter() *Prefilter {
	ix.mu.RLock()
	names := make([]string, 0, len(ix.entries))
	for i := range ix.entries {
		names = append(names, string(ix.nameOf(&ix.entries[i])))
	}
	var others []registry.Decoy
	for _, d := range ix.stores.decoys {
		others = append(others, d)
	}
	ix.mu.RUnlock()
	return prefilterFor(names, others)
}

// PrefilterOf returns the prefilter that Index.Prefilter returns for an
// index of decoys (NewIndex(decoys)), without the index, so that a caller
// can build both at once: a retro-hunt waits for both before it reads a
// byte. Retired decoys are left out, as the index leaves them out; decoys
// NewIndex would refuse are not checked (their names only make the
// prefilter pass more).
func PrefilterOf(decoys []registry.Decoy) *Prefilter {
	var names []string
	var others []registry.Decoy
	for _, d := range decoys {
		switch {
		case normStatus(d.Status) == registry.Retired:
		case registry.ProviderOf(d.VaultID) == registry.AzureKeyVault:
			names = append(names, d.Name)
		default:
			others = append(others, d)
		}
	}
	return prefilterFor(names, others)
}

// prefilterFor builds a prefilter of Key Vault object names and the
// decoys of the other providers.
func prefilterFor(names []string, others []registry.Decoy) *Prefilter {
	// A Vault path is filed in the table by its leading run (see
	// Prefilter), which is enough: the parser takes the name from the
	// request path after the mount's '/', so its last segment follows a
	// '/' in the record. Checking it with storeNames as well would look
	// at every '"' of every entry for nothing, which made the Vault
	// retro-hunt half as fast (bench/BENCHMARKS.md). Every other
	// provider's name (Secrets Manager's) goes to storeNames only: its
	// record names it after a '"' or ':' rather than a '/', so filing it
	// would only make CloudTrail records walk the table for nothing.
	stores := make([]string, 0, len(others))
	for _, d := range others {
		if registry.ProviderOf(d.VaultID) == registry.HashiCorpVault {
			names = append(names, d.Name)
		} else {
			stores = append(stores, d.Name)
		}
	}
	p := NewPrefilter(names)
	p.stores = newStoreNames(stores)
	return p
}
