package registry

import (
	"fmt"
	"strings"
)

// StoreID is a store id in parts, as ParseStoreID reads it.
type StoreID struct {
	Provider Provider
	// Group is what stores are grouped by in coverage and scopes: the
	// Azure subscription, the Vault cluster, the AWS account.
	Group string
	// Name is the store's name: the Key Vault's name, {cluster}/{mount}
	// for Vault, {account}/{region} for Secrets Manager.
	Name string
	// ResourceGroup is a Key Vault's resource group, "" elsewhere.
	ResourceGroup string
	// Mount is a Vault store's mount path (no trailing slash), "" elsewhere.
	Mount string
	// Partition and Region are a Secrets Manager store's, "" elsewhere.
	Partition, Region string
}

// ParseStoreID reads a store id of any provider (see Provider) and
// reports what is wrong with it, naming the form each provider wants.
func ParseStoreID(id string) (StoreID, error) {
	switch ProviderOf(id) {
	case AzureKeyVault:
		name, err := armVaultName(id)
		if err != nil {
			return StoreID{}, err
		}
		p := strings.Split(strings.Trim(id, "/"), "/")
		return StoreID{Provider: AzureKeyVault, Group: p[1], ResourceGroup: p[3], Name: name}, nil
	case HashiCorpVault:
		return parseVaultStoreID(id)
	case AWSSecretsManager:
		return parseSecretsManagerID(id)
	}
	return StoreID{}, fmt.Errorf("%w: %q (want a Key Vault ARM id, vault://{cluster}/{mount} or arn:aws:secretsmanager:{region}:{account})", ErrBadVaultID, id)
}

// HashiCorpVaultID builds the store id of a Vault cluster's KV mount
// (the mount's trailing slash, if any, dropped).
func HashiCorpVaultID(cluster, mount string) string {
	return vaultScheme + cluster + "/" + strings.Trim(mount, "/")
}

// SecretsManagerID builds the store id of an account's Secrets Manager in
// one region of the standard partition.
func SecretsManagerID(region, account string) string {
	return "arn:aws:secretsmanager:" + region + ":" + account
}

func parseVaultStoreID(id string) (StoreID, error) {
	bad := func(why string) (StoreID, error) {
		return StoreID{}, fmt.Errorf("%w: %q: %s (want vault://{cluster}/{mount})", ErrBadVaultID, id, why)
	}
	cluster, mount, ok := strings.Cut(id[len(vaultScheme):], "/")
	if !ok || !validCluster(cluster) {
		return bad("the cluster is 1-63 letters, digits, dots and dashes")
	}
	mount = strings.TrimSuffix(mount, "/")
	if !validVaultPath(mount, 256) {
		return bad("the mount is a path of up to 256 bytes")
	}
	return StoreID{Provider: HashiCorpVault, Group: cluster, Mount: mount, Name: cluster + "/" + mount}, nil
}

func validCluster(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// awsPartitions are the partitions Secrets Manager runs in.
var awsPartitions = map[string]bool{"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true, "aws-iso-b": true}

func parseSecretsManagerID(id string) (StoreID, error) {
	p := strings.Split(id, ":")
	if len(p) != 5 || p[0] != "arn" || !awsPartitions[p[1]] || p[2] != "secretsmanager" || !ValidAWSRegion(p[3]) || !ValidAWSAccount(p[4]) {
		return StoreID{}, fmt.Errorf("%w: %q (want arn:aws:secretsmanager:{region}:{account}, a 12-digit account)", ErrBadVaultID, id)
	}
	return StoreID{Provider: AWSSecretsManager, Partition: p[1], Region: p[3], Group: p[4], Name: p[4] + "/" + p[3]}, nil
}

// ValidAWSAccount reports whether s is a 12-digit AWS account id.
func ValidAWSAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidAWSRegion reports whether s has a region's form: lower-case words
// joined by dashes ending in a number, like us-east-1 or us-gov-west-1.
func ValidAWSRegion(s string) bool {
	words := strings.Split(s, "-")
	if len(words) < 3 || len(s) > 32 {
		return false
	}
	for i, w := range words {
		if w == "" {
			return false
		}
		for j := 0; j < len(w); j++ {
			digit, lower := w[j] >= '0' && w[j] <= '9', w[j] >= 'a' && w[j] <= 'z'
			if i == len(words)-1 && !digit || i < len(words)-1 && !lower {
				return false
			}
		}
	}
	return true
}
