package plant

import (
	"strings"
	"testing"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"orders-db-password", "orders db password"},
		{"OrdersDbPassword", "orders db password"},
		{"ordersDbPassword", "orders db password"},
		{"APIKey", "api key"},
		{"ORDERS-API-KEY", "orders api key"},
		{"apikey", "api key"},
		{"connectionstring", "connection string"},
		{"CONNECTIONSTRING", "connection string"},
		{"sqlpassword2", "sql password 2"},
		{"ConnectionStrings--Default", "connection strings default"},
		{"xyzzy", "xyzzy"},
		{"a", "a"},
		{"", ""},
	}
	for _, tt := range tests {
		if got, want := strings.Join(splitWords(tt.in), " "), tt.want; got != want {
			t.Errorf("splitWords(%q) = %q; want %q", tt.in, got, want)
		}
	}
}

func TestCaseOf(t *testing.T) {
	tests := []struct {
		in     string
		want   Case
		wantOK bool
	}{
		{"orders", Lower, true},
		{"ORDERS", Upper, true},
		{"Orders", Title, true},
		{"OrdersDb", Title, true},
		{"ordersDb", Camel, true},
		{"A", Upper, false},
		{"01", Lower, false},
	}
	for _, tt := range tests {
		got, ok := caseOf(tt.in)
		if ok != tt.wantOK || ok && got != tt.want {
			t.Errorf("caseOf(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestRender(t *testing.T) {
	words := []string{"orders", "db", "password"}
	tests := []struct {
		c      Case
		dashed bool
		want   string
	}{
		{Lower, true, "orders-db-password"},
		{Lower, false, "ordersdbpassword"},
		{Upper, true, "ORDERS-DB-PASSWORD"},
		{Upper, false, "ORDERSDBPASSWORD"},
		{Title, false, "OrdersDbPassword"},
		{Title, true, "Orders-Db-Password"},
		{Camel, false, "ordersDbPassword"},
	}
	for _, tt := range tests {
		if got, want := render(words, tt.c, tt.dashed), tt.want; got != want {
			t.Errorf("render(%v, %v) = %q; want %q", tt.c, tt.dashed, got, want)
		}
	}
}

func TestGiveaway(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"db-password", ""},
		{"HoneyPassword", "honey"},
		{"latest-api-key", "test"},
		{"bootstrap-token", "trap"},
		{"CANARY", "canary"},
		{"Example-Key", "example"},
		{"failure-webhook", "lure"},
		{"orders-decoy", "decoy"},
		{"SentinelKey", "sentinel"},
		{"deceptive", "decept"},
		{"placeholder", "placeholder"},
	}
	for _, tt := range tests {
		got, ok := Giveaway(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Giveaway(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	// The list itself must be lower-case and free of duplicates, or matching breaks.
	seen := map[string]bool{}
	for _, w := range giveawayWords {
		if w != strings.ToLower(w) || seen[w] {
			t.Errorf("giveaway word %q is not lower-case or repeats", w)
		}
		seen[w] = true
	}
}
