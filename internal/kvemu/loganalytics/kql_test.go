package loganalytics

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// kqlWorkspace is a workspace with a custom table Ev_CL of four rows and a
// watchlist WL, on a fixed clock.
func kqlWorkspace(t *testing.T) *Workspace {
	t.Helper()
	now := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	e, err := kvemu.New(kvemu.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	w := &Workspace{ID: wsID, e: e, tables: map[string][]laRow{}}
	if err := w.createTable("Ev_CL", []Column{{"TimeGenerated", "datetime"}, {"Name", "string"}, {"N", "long"}, {"Props", "dynamic"}, {"Type", "string"}}); err != nil {
		t.Fatal(err)
	}
	for i, r := range []map[string]any{
		{"Name": "Alpha", "N": 1.0, "Props": `{"k":"v1","arr":[10,20]}`},
		{"Name": "beta", "N": 2.0, "Props": `{"k":"v2"}`},
		{"Name": "Alpha", "N": 3.0},
		{"Name": "gamma", "Props": `{"k":"v1"}`},
	} {
		r["TimeGenerated"] = now.Add(time.Duration(i-30) * time.Minute).Format(kvemu.TimeLayout)
		r["Type"] = "Ev_CL"
		w.tables["Ev_CL"] = append(w.tables["Ev_CL"], laRow{cols: r, ingested: now.Add(time.Duration(i-3) * time.Minute)})
	}
	if err := w.SetWatchlist("WL", "Name", []byte("Name,Kind\r\nalpha,first\r\nbeta,second\r\n")); err != nil {
		t.Fatal(err)
	}
	return w
}

// render writes a result as "Col,Col|v,v|v,v" for comparison.
func render(tbl laTable) string {
	var parts []string
	var names []string
	for _, c := range tbl.Columns {
		names = append(names, c.Name)
	}
	parts = append(parts, strings.Join(names, ","))
	for _, r := range tbl.Rows {
		var vals []string
		for _, v := range r {
			vals = append(vals, fmt.Sprint(v))
		}
		parts = append(parts, strings.Join(vals, ","))
	}
	return strings.Join(parts, "|")
}

// TestKQLOperators runs each operator and function the Sentinel export
// uses over known rows and compares the whole result.
func TestKQLOperators(t *testing.T) {
	w := kqlWorkspace(t)
	tests := []struct{ q, want string }{
		{`Ev_CL | project Name, N`, "Name,N|Alpha,1|beta,2|Alpha,3|gamma,<nil>"},
		{`let x = 2; Ev_CL | where N >= x | project Name`, "Name|beta|Alpha"},
		{`let A = Ev_CL | where Name =~ "alpha"; A | count`, "Count|2"},
		{`Ev_CL | where ingestion_time() > ago(2m) | project Name`, "Name|Alpha|gamma"},
		{`Ev_CL | where TimeGenerated between (datetime(2026-11-20T09:01:00Z) .. datetime(2026-11-20T09:02:00Z)) | project N`, "N|2|3"},
		{`Ev_CL | extend Up = toupper(Name), N = N * 10 | project Up, N`, "Up,N|ALPHA,10|BETA,20|ALPHA,30|GAMMA,<nil>"},
		{`Ev_CL | extend K = tostring(todynamic(Props).k), A = toint(Props.arr[-1]) | project K, A`, "K,A|v1,20|v2,<nil>|,<nil>|v1,<nil>"},
		{`Ev_CL | project-away TimeGenerated, Props, Type | project-rename Count = N | take 1`, "Name,Count|Alpha,1"},
		{`Ev_CL | project-keep N* | take 2`, "Name,N|Alpha,1|beta,2"},
		{`Ev_CL | where Props.k == "v2" | project Props.k, tolower(Name), take_any = 1`, "Props_k,Column1,take_any|v2,beta,1"},
		{`Ev_CL | summarize take_any(Name) by N | count`, "Count|4"},
		{`Ev_CL | summarize count(), make_set(Name), Low = min(N), High = max(N), S = sum(N), D = dcount(Name), C = countif(N > 1)`,
			`count_,set_Name,Low,High,S,D,C|4,["Alpha","beta","gamma"],1,3,6,3,2`},
		{`Ev_CL | summarize Ns = make_list(N), Last = max(TimeGenerated) by Key = tolower(Name) | order by Key asc`,
			"Key,Ns,Last|alpha,[1,3],2026-11-20T09:02:00.0000000Z|beta,[2],2026-11-20T09:01:00.0000000Z|gamma,[],2026-11-20T09:03:00.0000000Z"},
		{`Ev_CL | summarize arg_max(N, *) by Name | project Name, N, Props`, `Name,N,Props|Alpha,3,<nil>|beta,2,{"k":"v2"}|gamma,<nil>,<nil>`},
		{`Ev_CL | where isempty(N) | summarize avg(N)`, "avg_N|<nil>"},
		{`Ev_CL | where N > 100 | summarize count() by Name`, "Name,count_"},
		{`_GetWatchlist('WL') | project SearchKey, Name, Kind`, "SearchKey,Name,Kind|alpha,alpha,first|beta,beta,second"},
		{`Ev_CL | extend Name = tolower(Name) | join kind=inner (_GetWatchlist('WL') | project Name, Kind) on Name | project Name, Name1, N, Kind`,
			"Name,Name1,N,Kind|alpha,alpha,1,first|beta,beta,2,second|alpha,alpha,3,first"},
		{`Ev_CL | extend L = tolower(Name) | join (_GetWatchlist('WL')) on $left.L == $right.SearchKey | project N`, "N|1|2"}, // innerunique
		{`Ev_CL | extend L = tolower(Name) | join kind=leftouter (_GetWatchlist('WL')) on $left.L == $right.SearchKey | project N, Kind`,
			"N,Kind|1,first|2,second|3,first|<nil>,"},
		{`Ev_CL | extend L = tolower(Name) | join kind=leftanti (_GetWatchlist('WL')) on $left.L == $right.SearchKey | project Name`, "Name|gamma"},
		{`Ev_CL | extend L = tolower(Name) | join kind=leftsemi (_GetWatchlist('WL')) on $left.L == $right.SearchKey | project N`, "N|1|2|3"},
		{`let W = _GetWatchlist('WL') | project SearchKey; Ev_CL | where tolower(Name) in (W) | distinct Name`, "Name|Alpha|beta"},
		{`union (Ev_CL | project V = N), (Ev_CL | project V = Name) | take 1`, "V_long,V_string|1,"},
		{`union kind=inner (Ev_CL | project N, Name), (Ev_CL | project Name) | count`, "Count|8"},
		{`Ev_CL | top 2 by N desc | project N`, "N|3|2"},
		{`Ev_CL | order by N asc | project N`, "N|<nil>|1|2|3"},
		{`Ev_CL | where Name has "alpha" and Name !has "alp" | count`, "Count|2"},
		{`Ev_CL | where Name hasprefix "alp" and Name contains "LPH" and Name startswith "al" and Name endswith "HA" | count`, "Count|2"},
		{`Ev_CL | where Name in ("Alpha") and Name !in~ ("BETA") and Name matches regex "^A.p" | count`, "Count|2"},
		{`Ev_CL | take 1 | project U = parse_url("https://kv.vault.azure.net:443/secrets/a%2Fb/v1?x=1#f"), S = split("a/b/c", "/"), S1 = split("a/b", "/", 1)`,
			`U,S,S1|{"Fragment":"f","Host":"kv.vault.azure.net","Password":"","Path":"/secrets/a%2Fb/v1","Port":"443","Query Parameters":{"x":"1"},"Scheme":"https","Username":""},["a","b","c"],["b"]`},
		{`Ev_CL | take 1 | project T = trim(@"/+", "//a/b//"), E = trim_end(@"/", "a//"), D = url_decode("a%2Fb%20c"), X = extract(@"v(\d+)", 1, "av12b"), C = strcat("a", 1, true)`,
			"T,E,D,X,C|a/b,a,a/b c,12,a1true"},
		{`Ev_CL | project R = case(N == 1, "one", N == 2, "two", "many"), I = iff(isnotempty(Props), "p", "-"), K = coalesce(tostring(Props.none), Name)`,
			"R,I,K|one,p,Alpha|two,p,beta|many,-,Alpha|many,p,gamma"},
		{`Ev_CL | take 1 | project D = TimeGenerated - datetime(2026-11-20T08:00:00Z), B = bin(TimeGenerated, 1h), Neg = -N, M = 7 % 3, R = 1.5 * 2`,
			"D,B,Neg,M,R|01:00:00,2026-11-20T09:00:00.0000000Z,-1,1,3"},
		{"Ev_CL // a comment\n| where Name == 'beta' and not(N == 1) or N == 3 | project N", "N|2|3"},
	}
	for _, tt := range tests {
		tbl, err := w.query(tt.q, "")
		if err != nil {
			t.Errorf("%s: %v", tt.q, err)
			continue
		}
		if got := render(tbl); got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.q, got, tt.want)
		}
	}
}

// TestKQLRefusals: what the emulator does not run, or what is not KQL, is
// a query error naming it, never a silent answer.
func TestKQLRefusals(t *testing.T) {
	w := kqlWorkspace(t)
	tests := []struct{ q, want string }{
		{`Ev_CL | where Nmae == "x"`, `unknown column or name "Nmae"`},
		{`Ev_CL | where N > 100 | project Nope`, `unknown column or name "Nope"`}, // even over no rows
		{`Ev_CL | mv-expand Props`, "unsupported operator mv-expand"},
		{`Ev_CL | where Name !has_any ("a")`, "want ; or the end of the query"},
		{`Ev_CL | extend x = frobnicate(Name)`, "unknown function frobnicate()"},
		{`Ev_CL | where count() > 1`, "is an aggregation"},
		{`Ev_CL | summarize tolower(Name)`, "summarize wants aggregations"},
		{`Ev_CL | extend x = trim("(", Name)`, "bad regular expression"},
		{`_GetWatchlist('Nope')`, `no watchlist "Nope"`},
		{`Ev_CL | join (_GetWatchlist('WL')) on Kind`, "the left side has no column Kind"},
		{`Ev_CL | join (_GetWatchlist('WL')) on $left.Name != $right.Name`, "join on"},
		{`let x = 1;`, "no tabular expression"},
		{`let T = Ev_CL; T | where T == 1`, "is tabular"},
		{`Ev_CL | where Name == "x`, "unterminated string"},
		{`Ev_CL | take many`, "want a row count"},
		{`Nope_CL`, "unknown table or tabular let"},
		{`Ev_CL | project N, N`, "appears twice"},
		{`Ev_CL; Ev_CL`, "only the last statement"},
		{`Ev_CL | extend x = substring(Name)`, "takes 2 to 3 arguments"},
		{`Ev_CL | where Name == datetime(yesterday)`, "bad datetime literal"},
		{`Ev_CL | join kind=sideways (Ev_CL) on Name`, "join kind"},
		{`Ev_CL | where Name`, "where wants a bool predicate, not a string"},
		{`Ev_CL | where N == "1"`, "== at 16 compares a long with a string"},
		{`Ev_CL | where TimeGenerated > 5m`, "compares a datetime with a timespan"},
		{`Ev_CL | where N =~ "1"`, "=~ at 16 compares a long with a string"},
		{`Ev_CL | where TimeGenerated > ago(5)`, "ago() at 30 wants a timespan"},
	}
	for _, tt := range tests {
		_, err := w.query(tt.q, "")
		var qe *queryError
		if !errors.As(err, &qe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v; want a query error with %q", tt.q, err, tt.want)
		}
	}
}

// TestSetWatchlistRefusals: a bad watchlist is refused and leaves the one
// loaded before in place.
func TestSetWatchlistRefusals(t *testing.T) {
	w := kqlWorkspace(t)
	for _, bad := range []struct{ alias, key, csv string }{
		{"", "Name", "Name\r\na\r\n"},
		{"WL", "Missing", "Name,Kind\r\na,b\r\n"},
		{"WL", "Name", "Name,Name\r\na,b\r\n"},
		{"WL", "Name", "Name,Kind\r\na\r\n"},
		{"WL", "Name", ""},
	} {
		if err := w.SetWatchlist(bad.alias, bad.key, []byte(bad.csv)); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	tbl, err := w.query(`_GetWatchlist('WL') | count`, "")
	if err != nil || render(tbl) != "Count|2" {
		t.Errorf("after refusals: %v %s; want the two items loaded before", err, render(tbl))
	}
}

// TestKQLRowBudget: a join or union growing past the budget is refused,
// not computed.
func TestKQLRowBudget(t *testing.T) {
	w := kqlWorkspace(t)
	old := maxRows
	maxRows = 10
	t.Cleanup(func() { maxRows = old })
	for _, q := range []string{
		`Ev_CL | extend k = 1 | join kind=inner (Ev_CL | extend k = 1) on k`, // 16 rows
		`union Ev_CL, Ev_CL, Ev_CL`, // 12 rows
	} {
		if _, err := w.query(q, ""); err == nil || !strings.Contains(err.Error(), "more than 10 rows") {
			t.Errorf("%s: %v; want the row budget's error", q, err)
		}
	}
	if tbl, err := w.query(`union Ev_CL, Ev_CL | count`, ""); err != nil || render(tbl) != "Count|8" {
		t.Errorf("within the budget: %v %s", err, render(tbl))
	}
	tbl, err := w.query(`Ev_CL | take 1 | extend s = strcat("a", "b") | extend s = replace_string(s, "a", strcat(s, s, s, s)) | project s`, "")
	if err != nil || render(tbl) != "s|ababababb" {
		t.Errorf("replace_string: %v %s", err, render(tbl))
	}
}
