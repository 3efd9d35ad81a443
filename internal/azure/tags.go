package azure

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

// MergeVaultTags sets tags on a vault through the Tags API with operation
// Merge: the tags named change or are added, every other tag of the vault
// stays as it is (a vault PUT would replace them all, and its Activity
// record reads as a change of the vault itself). It returns the vault's
// tags after the change. Needs Microsoft.Resources/tags/write on the vault
// (Tag Contributor).
func (c *Client) MergeVaultTags(ctx context.Context, vaultID string, tags map[string]string) (map[string]string, error) {
	sub, _, name, err := ParseVaultID(vaultID)
	if err != nil {
		return nil, err
	}
	cl, err := armresources.NewTagsClient(sub, c.cred, c.armOptions())
	if err != nil {
		return nil, fmt.Errorf("azure: %w", err)
	}
	patch := armresources.TagsPatchResource{
		Operation:  to.Ptr(armresources.TagsPatchOperationMerge),
		Properties: &armresources.Tags{Tags: tagPtrs(tags)},
	}
	poller, err := cl.BeginUpdateAtScope(ctx, vaultID, patch, nil)
	if err != nil {
		return nil, fmt.Errorf("azure: vault %s: setting tags: %w", name, err)
	}
	resp, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("azure: vault %s: setting tags: %w", name, err)
	}
	if resp.Properties == nil {
		return map[string]string{}, nil
	}
	return tagsOf(resp.Properties.Tags), nil
}
