package registry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

func TestWatchlistRoundTripIsByteForByte(t *testing.T) {
	want, err := os.ReadFile("testdata/honeytokens.csv")
	if err != nil {
		t.Fatal(err)
	}
	decoys, err := ReadWatchlist(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(decoys); got != 3 {
		t.Fatalf("got %d decoys; want 3", got)
	}
	if d := decoys[2]; d.VaultName != "KV-Web-01" || d.Name != "wildcard-contoso-com" || d.Type != Certificate || d.Status != Active {
		t.Errorf("row 3: %+v", d)
	}
	var buf bytes.Buffer
	if err := WriteWatchlist(&buf, decoys); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("round trip differs:\ngot  %q\nwant %q", got, want)
	}
}

func TestReadWatchlistTolerates(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // name/type per decoy
	}{
		{"LF line ends and BOM", "\ufeffResourceProvider,ResourceId,HoneyToken,Properties\n" + row("a", `{"Type":"key"}`) + "\n", []string{"a/key"}},
		{"spaces and lower-case keys", "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" + row("b", `{"type": "Secret"}`) + "\r\n", []string{"b/secret"}},
		{"columns in another order plus extras", "HoneyToken,Properties,SearchKey,ResourceId,ResourceProvider\r\n" +
			`c,"{""Type"":""secret""}",x,` + vault + ",microsoft.keyvault\r\n", []string{"c/secret"}},
		{"duplicates in other case collapse", "ResourceProvider,ResourceId,HoneyToken,Properties\n" + row("d", `{"Type":"secret"}`) + "\n" + row("D", `{"Type":"secret"}`) + "\n", []string{"d/secret"}},
		{"blank lines", "ResourceProvider,ResourceId,HoneyToken,Properties\n\n" + row("e", `{"Type":"secret"}`) + "\n\n", []string{"e/secret"}},
		{"header only", "ResourceProvider,ResourceId,HoneyToken,Properties\r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := ReadWatchlist(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Name+"/"+string(d.Type))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

const vault = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one"

func row(name, props string) string {
	return "Microsoft.KeyVault," + vault + "," + name + `,"` + strings.ReplaceAll(props, `"`, `""`) + `"`
}

func TestReadWatchlistRejectsWithLineNumber(t *testing.T) {
	header := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n"
	good := row("ok", `{"Type":"secret"}`) + "\r\n"
	tests := []struct {
		name  string
		in    string
		line  int
		inMsg string
	}{
		{"empty file", "", 1, "empty file"},
		{"missing column", "ResourceProvider,ResourceId,HoneyToken\r\n", 1, "Properties"},
		{"bad provider", header + good + "Microsoft.Storage," + vault + `,x,"{""Type"":""secret""}"` + "\r\n", 3, "ResourceProvider"},
		{"bad vault id", header + "Microsoft.KeyVault,/subscriptions/s/vaults/x,x," + `"{""Type"":""key""}"` + "\r\n", 2, "resource id"},
		{"bad name", header + good + good + row("bad_name!", `{"Type":"key"}`) + "\r\n", 4, "object name"},
		{"bad type", header + row("x", `{"Type":"blob"}`) + "\r\n", 2, "blob"},
		{"no type", header + row("x", `{"Kind":"key"}`) + "\r\n", 2, "no Type"},
		{"not json", header + row("x", `Type=key`) + "\r\n", 2, "JSON"},
		{"short row", header + "Microsoft.KeyVault," + vault + "\r\n", 2, "fields"},
		{"broken quoting", header + good + `Microsoft.KeyVault,` + vault + `,x,"{"Type"` + "\r\n", 3, "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := ReadWatchlist(strings.NewReader(tt.in))
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("got %v (%d decoys); want a *RowError", err, len(ds))
			}
			if ds != nil {
				t.Errorf("got %d decoys with an error; want none (all or nothing)", len(ds))
			}
			if got, want := re.Line, tt.line; got != want {
				t.Errorf("line: got %d; want %d (%v)", got, want, err)
			}
			if !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("error %q does not mention %q", err, tt.inMsg)
			}
		})
	}
}

func TestVaultNameFromID(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-1", "kv-1", false},
		{"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-1", "KV-1", false},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-1/", "kv-1", false},
		{"subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-1", "", true},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/kv1", "", true},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/k", "", true},
		{"/subscriptions//resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-1", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := VaultNameFromID(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("VaultNameFromID(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestKeyIsCaseInsensitive(t *testing.T) {
	a := Decoy{VaultID: vault, Name: "Api-Key", Type: Secret}
	b := Decoy{VaultID: strings.ToUpper(vault), Name: "api-key", Type: Secret}
	c := Decoy{VaultID: vault, Name: "api-key", Type: Key}
	if a.Key() != b.Key() {
		t.Errorf("%q != %q", a.Key(), b.Key())
	}
	if a.Key() == c.Key() {
		t.Errorf("secret and key share key %q", a.Key())
	}
}

func FuzzReadWatchlist(f *testing.F) {
	seed, _ := os.ReadFile("testdata/honeytokens.csv")
	f.Add(seed)
	f.Add([]byte("ResourceProvider,ResourceId,HoneyToken,Properties\n" + row("a", `{"Type":"key"}`)))
	f.Add([]byte("\ufeffHoneyToken,ResourceId\n\"\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ds, err := ReadWatchlist(bytes.NewReader(in))
		if err != nil {
			if ds != nil {
				t.Fatal("decoys returned with an error")
			}
			return
		}
		// Whatever was accepted must be valid and survive a round trip.
		var buf bytes.Buffer
		if err := WriteWatchlist(&buf, ds); err != nil {
			t.Fatal(err)
		}
		again, err := ReadWatchlist(&buf)
		if err != nil {
			t.Fatalf("re-reading our own output: %v", err)
		}
		if len(again) != len(ds) {
			t.Fatalf("round trip: %d decoys, then %d", len(ds), len(again))
		}
		for i := range ds {
			if ds[i].Key() != again[i].Key() {
				t.Fatalf("round trip changed %q into %q", ds[i].Key(), again[i].Key())
			}
		}
	})
}

// TestReadWatchlistRowsReportsEveryInvalidRow: reading on past invalid
// rows yields the valid ones and one error per invalid row, in order; a
// file that is not CSV or lacks the header is still one error.
func TestReadWatchlistRowsReportsEveryInvalidRow(t *testing.T) {
	header := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n"
	in := header + row("a", `{"Type":"secret"}`) + "\r\n" +
		row("bad_name!", `{"Type":"key"}`) + "\r\n" +
		row("b", `{"Type":"key"}`) + "\r\n" +
		"Microsoft.KeyVault," + vault + "\r\n" +
		row("c", `{"Type":"blob"}`) + "\r\n" +
		row("A", `{"Type":"secret"}`) + "\r\n" // a duplicate of line 2
	ds, invalid, err := ReadWatchlistRows(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range ds {
		names = append(names, d.Name)
	}
	if got, want := strings.Join(names, ","), "a,b"; got != want {
		t.Errorf("valid rows %q; want %q", got, want)
	}
	var lines []int
	for _, re := range invalid {
		lines = append(lines, re.Line)
	}
	if got, want := fmt.Sprint(lines), "[3 5 6]"; got != want {
		t.Errorf("invalid lines %s; want %s", got, want)
	}
	for _, bad := range []string{"", "ResourceProvider,ResourceId\r\n", header + `Microsoft.KeyVault,` + vault + `,x,"{"Type"` + "\r\n"} {
		if _, _, err := ReadWatchlistRows(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestWatchlistReaderReadsOnPastInvalidRows: the streaming reader yields
// rows one at a time with their line numbers; an invalid row can be read
// past, broken CSV cannot; repeats are not collapsed (the store skips them).
func TestWatchlistReaderReadsOnPastInvalidRows(t *testing.T) {
	in := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" + row("a", `{"Type":"secret"}`) + "\r\n\r\n" +
		row("bad_name!", `{"Type":"key"}`) + "\r\n" + row("A", `{"Type":"secret"}`) + "\r\n" +
		`Microsoft.KeyVault,` + vault + `,x,"{"Type"` + "\r\n"
	wr, err := NewWatchlistReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		d, err := wr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatal("reached the end past broken CSV")
		}
		var re *RowError
		if errors.As(err, &re) {
			got = append(got, fmt.Sprintf("line %d: error, read on %v", re.Line, re.CanReadOn()))
			if !re.CanReadOn() {
				break
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("line %d: %s", wr.Line(), d.Name))
	}
	want := "line 2: a|line 4: error, read on true|line 5: A|line 6: error, read on false"
	if strings.Join(got, "|") != want {
		t.Errorf("got %q; want %q", strings.Join(got, "|"), want)
	}
}
