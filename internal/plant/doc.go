// Package plant generates decoys ("honeytokens") that blend into a Key Vault:
// names in the vault's own style, values and metadata that look real for the
// name, and how many decoys each vault gets. It only plans: it makes no Azure
// call and keeps no record (it imports neither internal/azure nor
// internal/store nor an Azure SDK package; internal/deps holds it to that).
// The deployer, package deploy, makes the list calls, hands what they
// returned to Planner.Plan (the dry run stops there) and carries the plan
// out; `honeyvault names` calls it with a list of names.
//
// # What it learns, and from what
//
// Only object names and list-call metadata (content types, tags, created and
// expiry times, key type and size when the caller has them), never a value.
// From the names, LearnStyle derives a Style: case (kebab, lower, UPPER,
// PascalCase, camelCase, Title-Dashed), the .NET `Section--Key` convention,
// common prefixes and suffixes (application names, environments such as prod
// or uat, Azure regions — environments and regions are slots filled with the
// values the vault uses), the length distribution, trailing-number habits and
// the vault's own vocabulary. Mixed vaults keep every form that at least 10%
// of their names use, weighted by use: each generated name picks a form with
// that weight, so a vault's decoys mirror its mix. An empty vault gets
// HouseStyle (kebab-case).
//
// # Names
//
// A Namer combines a Style with keywords (the original solution's
// comma-separated "Secrets Keywords" and "Keys Keywords"; DefaultKeywords
// lists ours) into names that are valid Key Vault names, never equal — nor
// equal once dashes and case are ignored — to an existing or already
// generated name, and never contain a giveaway word (see Giveaway), even
// inside another word. With the same Style, keywords, existing names and seed
// it produces the same names.
//
// # HashiCorp Vault and AWS Secrets Manager
//
// For a store of these providers (registry.Provider; Object names are
// paths under a KV mount or Secrets Manager names, Tags the secrets' custom
// metadata or tags) Planner.Plan plans only secrets. Each decoy goes into a
// directory real secrets live in, drawn with the weight of how many do
// ("apps/payments/" more often than "ci/"); its leaf is named like the
// directory's leaves (the store's when the directory has fewer than three)
// by the same Style and Namer, which know only dashes: leaves are read
// with their separator ("-", "_" or ".") mapped to a dash and names written
// back with one drawn by how often the leaves use each. A new path is never
// a taken one, nor equal to one ignoring case, nor a leaf equal to a
// neighbour or a subdirectory once case and separators are ignored. An
// empty store gets apps/{app}/ (Vault) or {env}/{app}/ (Secrets Manager).
// No Secrets Manager name ends in a dash and six characters, which AWS asks
// to avoid (it reads as an ARN's random suffix).
// Values are Fields (ValueSpec.Fields, ValueSpec.JSON): an RDS-style login
// for databases, {"api_key"} for keys, and so on.
//
// # Quantity
//
// For each decoy type enabled in Settings.Types (secret by default), a vault
// gets n decoys of that type, drawn by Quantity.Draw:
//
//	n := 1
//	for n < Max && rng.Float64() < P {
//		n++
//	}
//
// that is n = min(Max, 1+G) where G is geometric, counting successes of a
// Bernoulli(P) trial before the first failure. P(n = k) = P^(k-1)·(1-P) for
// k < Max and P(n = Max) = P^(Max-1); the mean is (1-P^Max)/(1-P) (Max when
// P = 1). P is the original's "Additional HoneyToken Probability". Types are
// drawn independently, so Types = secret,key with P = 0 plants exactly one
// secret and one key.
//
// # Idempotence
//
// Planner.Plan takes the registry's decoys for the vault. A type that
// already has an active decoy there is covered and gets no new decoy; every
// name honeyvault ever planted there (any status) is excluded from style
// learning and metadata learning and never reused.
//
// # Values
//
// A planned secret carries a ValueSpec (what kind of value, with hints such as
// the application and environment), not a value: the deployer (package
// deploy) calls ValueSpec.Generate with CryptoRand at apply time, and
// honeyvault keeps at most a keyed hash of the value (Hasher), never the
// value itself.
//
// # Randomness
//
// Every function takes a *rand.Rand from math/rand/v2. CryptoRand draws from
// crypto/rand and is what production uses; SeededRand is deterministic
// (ChaCha8) for `honeyvault names --seed` and for tests. Private keys inside
// PEM values always come from crypto/rand whatever the generator.
package plant
