// Package api holds the REST API's wire types: the JSON shapes of the
// answers and request bodies under /api/v1/. The server's handlers (package
// web) encode them and the command-line client (package client) decodes
// them, so the two cannot drift apart. It imports nothing of honeyvault:
// converting from stored rows is web's job, so that whatever decodes the API
// links neither the store nor a SQL driver.
package api

// Error is every API error body.
type Error struct {
	Error string `json:"error"`
}
