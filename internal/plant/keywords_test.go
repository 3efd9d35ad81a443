package plant

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestParseKeywords(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "api-key,password", want: "api-key|password"},
		{in: " api-key , ConnectionString ", want: "api-key|ConnectionString"},
		{in: "key,KEY,Key", want: "key"},
		{in: "prod2", want: "prod2"},
		{in: "", wantErr: "empty keyword list"},
		{in: "  ", wantErr: "empty keyword list"},
		{in: "a,,b", wantErr: "keyword 2 is empty"},
		{in: "api_key", wantErr: "only letters, digits and dashes"},
		{in: "api key", wantErr: "only letters, digits and dashes"},
		{in: "-key", wantErr: "dashes only between"},
		{in: "key-", wantErr: "dashes only between"},
		{in: "a--b", wantErr: "dashes only between"},
		{in: "123", wantErr: "needs a letter"},
		{in: "password,HoneyPot", wantErr: `contains "honey"`},
		{in: "latest", wantErr: `contains "test"`},
		{in: strings.Repeat("k", 65), wantErr: "want 1-64 characters"},
	}
	for _, tt := range tests {
		got, err := ParseKeywords(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseKeywords(%q) error = %v; want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseKeywords(%q): %v", tt.in, err)
			continue
		}
		if got, want := strings.Join(got, "|"), tt.want; got != want {
			t.Errorf("ParseKeywords(%q) = %q; want %q", tt.in, got, want)
		}
	}
}

func TestDefaultKeywordsAreValid(t *testing.T) {
	for _, typ := range registry.Types {
		kws := DefaultKeywords(typ)
		if len(kws) == 0 {
			t.Errorf("no default keywords for %s", typ)
		}
		if err := checkKeywords(kws); err != nil {
			t.Errorf("default %s keywords: %v", typ, err)
		}
		kws[0] = "changed"
		if DefaultKeywords(typ)[0] == "changed" {
			t.Errorf("DefaultKeywords(%s) returns the package's own slice", typ)
		}
	}
}
