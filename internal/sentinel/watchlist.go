package sentinel

// WatchlistTemplate renders an ARM template that deploys csv (the
// HoneyTokens watchlist CSV) as Sentinel's HoneyTokens watchlist, searched
// by ResourceId as the original's. ARM templates are limited to 4 MB: a
// larger registry must be uploaded another way (see the README).
func WatchlistTemplate(csv []byte) ([]byte, error) {
	return template([]any{map[string]any{
		"type":       "Microsoft.OperationalInsights/workspaces/providers/watchlists",
		"apiVersion": securityInsightsAPI,
		"name":       sentinelName(WatchlistAlias),
		"properties": map[string]any{
			"displayName":         WatchlistAlias,
			"watchlistAlias":      WatchlistAlias,
			"provider":            "honeyvault",
			"source":              WatchlistFile,
			"description":         "Key Vault decoys planted or watched by honeyvault",
			"itemsSearchKey":      "ResourceId",
			"contentType":         "text/csv",
			"numberOfLinesToSkip": 0,
			"rawContent":          string(csv),
		},
	}})
}
