package registry

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/honeyvault/honeyvault/internal/bom"
)

// WatchlistHeader is the header row of Sentinel's HoneyTokens watchlist.
var WatchlistHeader = []string{"ResourceProvider", "ResourceId", "HoneyToken", "Properties"}

// WatchlistProvider is the ResourceProvider value of a Key Vault decoy's
// row (Sentinel's; other providers have their own, see
// Provider.WatchlistName).
const WatchlistProvider = "Microsoft.KeyVault"

// maxWatchlistRows bounds an import so that a hostile file cannot exhaust memory.
const maxWatchlistRows = 5_000_000

// RowError reports a malformed watchlist row with its line number (1-based,
// counting the header as line 1).
type RowError struct {
	Line int
	Err  error
	// readOn is set for a row that is invalid as a decoy but well-formed
	// CSV, after which the rows that follow can still be read.
	readOn bool
}

// CanReadOn reports whether the rows after this one can still be read: the
// row is well-formed CSV but not a valid decoy. A CSV syntax error (an
// unterminated quote) cannot be read past with confidence.
func (e *RowError) CanReadOn() bool { return e.readOn }

// Error formats the error for people.
func (e *RowError) Error() string {
	return fmt.Sprintf("registry: watchlist line %d: %v", e.Line, e.Err)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *RowError) Unwrap() error { return e.Err }

// ReadWatchlist parses a Sentinel HoneyTokens watchlist CSV. It accepts CRLF or
// LF line ends, a UTF-8 byte-order mark, header names in any case and order,
// and extra columns (ignored: portal exports add some). It returns every row
// or, at the first malformed row, nothing and a *RowError: an import is all or
// nothing. Duplicate rows (same vault, type and name in any case) collapse to
// the first. It holds the whole file's decoys in memory: an import of a large
// file reads it with a WatchlistReader instead.
func ReadWatchlist(r io.Reader) ([]Decoy, error) {
	decoys, _, err := readWatchlist(r, false)
	return decoys, err
}

// ReadWatchlistRows is ReadWatchlist that reads on past invalid rows: it
// returns the valid rows and a *RowError for each invalid one, in file
// order, so that an import can report them all (or skip them). A file it
// cannot read as CSV at all, or whose header is wrong, is still an error.
func ReadWatchlistRows(r io.Reader) (decoys []Decoy, invalid []*RowError, err error) {
	return readWatchlist(r, true)
}

// readWatchlist reads the CSV; keepGoing collects invalid rows instead of
// stopping at the first.
func readWatchlist(r io.Reader, keepGoing bool) ([]Decoy, []*RowError, error) {
	wr, err := NewWatchlistReader(r)
	if err != nil {
		return nil, nil, err
	}
	var out []Decoy
	var invalid []*RowError
	seen := make(map[string]bool)
	for {
		d, err := wr.Next()
		if errors.Is(err, io.EOF) {
			return out, invalid, nil
		}
		var re *RowError
		if err != nil && (!keepGoing || !errors.As(err, &re) || !re.CanReadOn()) {
			return nil, nil, err
		}
		if err == nil && seen[d.Key()] {
			continue
		}
		if len(out)+len(invalid) >= maxWatchlistRows {
			return nil, nil, &RowError{Line: wr.Line(), Err: fmt.Errorf("more than %d rows", maxWatchlistRows)}
		}
		if err != nil {
			invalid = append(invalid, re)
			continue
		}
		seen[d.Key()] = true
		out = append(out, d)
	}
}

// WatchlistReader reads a HoneyTokens watchlist CSV one row at a time, as
// ReadWatchlist reads it but holding only the current row: an import of a
// million decoys streams through it in bounded memory. Duplicate rows are
// not collapsed (that takes memory in proportion to the file): the store
// skips a decoy it already has. The zero value is not usable; call
// NewWatchlistReader. Not safe for concurrent use.
type WatchlistReader struct {
	cr    *csv.Reader
	col   map[string]int
	width int // the header's number of fields
	line  int // line of the row last read
}

// NewWatchlistReader reads the header of the watchlist r holds and returns
// a reader of its rows; a missing or wrong header is a *RowError on line 1.
func NewWatchlistReader(r io.Reader) (*WatchlistReader, error) {
	cr := csv.NewReader(bom.Reader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &RowError{Line: 1, Err: errors.New("empty file: want header " + strings.Join(WatchlistHeader, ","))}
	}
	if err != nil {
		return nil, csvError(err)
	}
	col, err := watchlistColumns(header)
	if err != nil {
		return nil, &RowError{Line: 1, Err: err}
	}
	return &WatchlistReader{cr: cr, col: col, width: len(header), line: 1}, nil
}

// Line returns the line number of the row Next last read (the header is
// line 1).
func (w *WatchlistReader) Line() int { return w.line }

// Next returns the next row's decoy (Status Active, VaultName filled in),
// skipping blank lines; io.EOF after the last row. A row that is not a
// valid decoy is a *RowError that can read on (see RowError.CanReadOn):
// Next may be called again for the rows after it. A file that is not CSV
// is a *RowError that cannot; I/O errors are returned as they are.
func (w *WatchlistReader) Next() (Decoy, error) {
	for {
		rec, err := w.cr.Read()
		if errors.Is(err, io.EOF) {
			return Decoy{}, io.EOF
		}
		if err != nil {
			return Decoy{}, csvError(err)
		}
		w.line, _ = w.cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) < w.width {
			return Decoy{}, &RowError{Line: w.line, Err: fmt.Errorf("%d fields, want %d", len(rec), w.width), readOn: true}
		}
		d, err := watchlistRow(rec, w.col)
		if err != nil {
			return Decoy{}, &RowError{Line: w.line, Err: err, readOn: true}
		}
		return d, nil
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{Line: pe.StartLine, Err: pe.Err}
	}
	return fmt.Errorf("registry: reading watchlist: %w", err)
}

func watchlistColumns(header []string) (map[string]int, error) {
	col := make(map[string]int)
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, want := range WatchlistHeader {
		if _, ok := col[strings.ToLower(want)]; !ok {
			return nil, fmt.Errorf("header lacks column %q: want %s", want, strings.Join(WatchlistHeader, ","))
		}
	}
	return col, nil
}

func watchlistRow(rec []string, col map[string]int) (Decoy, error) {
	field := func(name string) string { return strings.TrimSpace(rec[col[strings.ToLower(name)]]) }
	p := field("ResourceProvider")
	provider, ok := providerOfWatchlistName(p)
	if !ok {
		return Decoy{}, fmt.Errorf("ResourceProvider %q: want %s, %s or %s", p,
			AzureKeyVault.WatchlistName(), HashiCorpVault.WatchlistName(), AWSSecretsManager.WatchlistName())
	}
	if got := ProviderOf(field("ResourceId")); got != "" && got != provider {
		return Decoy{}, fmt.Errorf("ResourceProvider %q but ResourceId %q is a %s store", p, field("ResourceId"), got.Label())
	}
	t, err := propertiesType(field("Properties"))
	if err != nil {
		return Decoy{}, err
	}
	d := Decoy{VaultID: field("ResourceId"), Name: field("HoneyToken"), Type: t, Status: Active}
	if err := d.Validate(); err != nil {
		return Decoy{}, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "registry: "))
	}
	return d, nil
}

// propertiesType reads the Type out of the Properties column, a JSON object
// such as {"Type":"key"}; the key is matched case-insensitively.
func propertiesType(s string) (Type, error) {
	// Sentinel and WriteWatchlist write exactly this: no JSON decoder
	// needed (it was a third of an import's reading).
	switch s {
	case `{"Type":"secret"}`:
		return Secret, nil
	case `{"Type":"key"}`:
		return Key, nil
	case `{"Type":"certificate"}`:
		return Certificate, nil
	}
	var props map[string]any
	if err := json.Unmarshal([]byte(s), &props); err != nil {
		return "", fmt.Errorf("Properties %q: not a JSON object: %v", s, err)
	}
	for k, v := range props {
		if !strings.EqualFold(k, "Type") {
			continue
		}
		str, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("Properties %q: Type is not a string", s)
		}
		t, err := ParseType(str)
		if err != nil {
			return "", fmt.Errorf("Properties %q: %s", s, strings.TrimPrefix(err.Error(), "registry: "))
		}
		return t, nil
	}
	return "", fmt.Errorf("Properties %q: no Type (want {\"Type\":\"key\"|\"secret\"|\"certificate\"})", s)
}

// WriteWatchlist writes decoys as Sentinel's HoneyTokens watchlist: the four
// columns, CRLF line ends, fields quoted as RFC 4180 (and Sentinel) quote them,
// Properties as {"Type":"secret"}.
func WriteWatchlist(w io.Writer, decoys []Decoy) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(WatchlistHeader); err != nil {
		return err
	}
	for _, d := range decoys {
		props := `{"Type":"` + string(d.Type) + `"}`
		if err := cw.Write([]string{d.Provider().WatchlistName(), d.VaultID, d.Name, props}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
