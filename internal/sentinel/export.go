package sentinel

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// Files an export writes.
const (
	WatchlistFile         = "HoneyTokens.csv"
	WatchlistTemplateFile = "HoneyTokens.watchlist.json"
	RulesTemplateFile     = "analytics-rules.json"
)

// ErrNotEmpty is returned by Export for a directory that already holds files.
var ErrNotEmpty = errors.New("sentinel: output directory is not empty (use --force to overwrite its export files)")

// Export writes the watchlist CSV of decoys, its ARM template and the
// analytics rules' ARM template into dir, creating it. It refuses a
// non-empty dir unless force (then it replaces only its own files). Every
// file is rendered before the first is written and each is written whole
// or not at all; on error the files this call wrote are removed again.
func Export(dir string, decoys []registry.Decoy, o Options, force bool) (files []string, err error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var csv bytes.Buffer
	if err := registry.WriteWatchlist(&csv, decoys); err != nil {
		return nil, fmt.Errorf("sentinel: watchlist: %w", err)
	}
	wl, err := WatchlistTemplate(csv.Bytes())
	if err != nil {
		return nil, fmt.Errorf("sentinel: watchlist template: %w", err)
	}
	rules, err := RulesTemplate(o)
	if err != nil {
		return nil, err
	}
	if err := prepareDir(dir, force); err != nil {
		return nil, err
	}
	out := []struct {
		name string
		data []byte
	}{{WatchlistFile, csv.Bytes()}, {WatchlistTemplateFile, wl}, {RulesTemplateFile, rules}}
	for _, f := range out {
		path := filepath.Join(dir, f.name)
		if err := writeWhole(path, f.data); err != nil {
			for _, done := range files {
				os.Remove(done)
			}
			return nil, fmt.Errorf("sentinel: %w", err)
		}
		files = append(files, path)
	}
	return files, nil
}

// prepareDir creates dir, or checks an existing one is empty (or force).
func prepareDir(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("sentinel: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("sentinel: %w", err)
	case len(entries) > 0 && !force:
		return fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	}
	return nil
}

// writeWhole writes data to path through a temporary file in the same
// directory, so that path holds the old content or the new, never a part;
// mode 0600: the watchlist names every decoy.
func writeWhole(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
