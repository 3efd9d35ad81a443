package client

import (
	"context"
	"net/url"

	"github.com/honeyvault/honeyvault/internal/api"
)

// ListVaults is GET /api/v1/vaults, every page: the vaults the token may
// see with their coverage, and the counts.
func (c *Client) ListVaults(ctx context.Context) (api.VaultList, error) {
	var all api.VaultList
	for after := ""; ; {
		path := "/api/v1/vaults"
		if after != "" {
			path += "?after=" + url.QueryEscape(after)
		}
		var page api.VaultList
		if err := c.do(ctx, "GET", path, nil, &page); err != nil {
			return api.VaultList{}, err
		}
		if after == "" {
			all = page
		} else {
			all.Vaults = append(all.Vaults, page.Vaults...)
		}
		if page.NextAfter == "" || len(page.Vaults) == 0 {
			all.NextAfter = ""
			return all, nil
		}
		after = page.NextAfter
	}
}
