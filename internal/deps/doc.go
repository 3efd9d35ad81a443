// Package deps holds honeyvault's import-boundary test: data moves one way,
// from the vaults through parsing and matching to incidents and people, and
// each package may import only what lies upstream of it (see DESIGN.md and
// the table in deps_test.go). It has no code of its own.
package deps
