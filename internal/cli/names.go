package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/spf13/cobra"
)

// Bounds of `names --count`.
const (
	defaultNameCount = 5
	maxNameCount     = 1000
)

func newNamesCmd() *cobra.Command {
	var (
		like     string
		count    int
		keywords string
		seed     uint64
	)
	cmd := &cobra.Command{
		Use:   "names --like FILE [--count N] [--keywords a,b] [--seed S]",
		Short: "Print decoy names in the style of existing names",
		Long: `names prints decoy names in the style of the Key Vault object names listed in FILE
(one a line; blank lines and surrounding spaces are ignored; "-" reads standard input):
the same case and separators, .NET Section--Key names, shared prefixes and suffixes such
as application, environment and region, similar lengths and numbering. Every name is a
valid Key Vault name, none equals a name in FILE (ignoring case and dashes), and none
contains a word that gives a decoy away (honey, canary, decoy, test, ...).

Names are built from --keywords (comma-separated; default: honeyvault's secret keywords).
With --seed the output is the same on every run; without it, names come from crypto/rand.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if like == "" {
				return errors.New("names: --like FILE is required")
			}
			if count < 1 || count > maxNameCount {
				return fmt.Errorf("names: --count %d: want 1 to %d", count, maxNameCount)
			}
			var kws []string
			if cmd.Flags().Changed("keywords") {
				var err error
				if kws, err = plant.ParseKeywords(keywords); err != nil {
					return fmt.Errorf("names: --keywords: %w", err)
				}
			}
			existing, err := readNameFile(cmd.InOrStdin(), like)
			if err != nil {
				return err
			}
			rng := plant.CryptoRand()
			if cmd.Flags().Changed("seed") {
				rng = plant.SeededRand(seed)
			}
			return printNames(cmd.OutOrStdout(), existing, kws, count, rng)
		},
	}
	f := cmd.Flags()
	f.StringVar(&like, "like", "", "`FILE` listing existing object names, one a line (- for standard input)")
	f.IntVar(&count, "count", defaultNameCount, fmt.Sprintf("how many names to print, `N` from 1 to %d", maxNameCount))
	f.StringVar(&keywords, "keywords", "", "comma-separated `KEYWORDS` the names are built from (default: honeyvault's secret keywords)")
	f.Uint64Var(&seed, "seed", 0, "`SEED` for reproducible output, a number (default: crypto randomness)")
	return cmd
}

// readNameFile reads FILE (or stdin for "-"), failing on a missing or empty
// file and on a line that is not an object name.
func readNameFile(stdin io.Reader, path string) ([]string, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("names: %w", err)
		}
		defer f.Close()
		r = f
	}
	names, err := plant.ReadNames(r)
	if err != nil {
		return nil, fmt.Errorf("names: %s: %w", path, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("names: %s lists no names: want existing object names, one a line", path)
	}
	return names, nil
}

func printNames(out io.Writer, existing, keywords []string, count int, rng *rand.Rand) error {
	namer, err := plant.NewNamer(plant.LearnStyle(existing), keywords, existing)
	if err != nil {
		return fmt.Errorf("names: %w", err)
	}
	w := bufio.NewWriter(out)
	for range count {
		name, err := namer.Next(rng)
		if err != nil {
			return fmt.Errorf("names: %w", err)
		}
		fmt.Fprintln(w, name)
	}
	return w.Flush()
}
