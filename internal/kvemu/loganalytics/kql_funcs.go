package loganalytics

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// scalarFunc is a KQL scalar function over evaluated arguments; ret is its
// type, "" for the type of its first argument.
type scalarFunc struct {
	min, max int
	ret      string
	fn       func(args []any) any
}

// scalarFuncs are the plain scalar functions. Those that need the row, the
// clock, the scope or constant arguments are in bindCall.
var scalarFuncs = map[string]scalarFunc{
	"tostring":   {1, 1, "string", func(a []any) any { return textOf(a[0]) }},
	"toint":      {1, 1, "int", func(a []any) any { return toLong(a[0]) }},
	"tolong":     {1, 1, "long", func(a []any) any { return toLong(a[0]) }},
	"toreal":     {1, 1, "real", func(a []any) any { return toReal(a[0]) }},
	"todouble":   {1, 1, "real", func(a []any) any { return toReal(a[0]) }},
	"tobool":     {1, 1, "bool", func(a []any) any { return toBool(a[0]) }},
	"toboolean":  {1, 1, "bool", func(a []any) any { return toBool(a[0]) }},
	"todatetime": {1, 1, "datetime", func(a []any) any { return toDatetime(a[0]) }},
	"todynamic":  {1, 1, "dynamic", func(a []any) any { return toDynamic(a[0]) }},
	"parse_json": {1, 1, "dynamic", func(a []any) any { return toDynamic(a[0]) }},
	"tolower":    {1, 1, "string", func(a []any) any { return strings.ToLower(textOf(a[0])) }},
	"toupper":    {1, 1, "string", func(a []any) any { return strings.ToUpper(textOf(a[0])) }},
	"strlen":     {1, 1, "long", func(a []any) any { return int64(utf8.RuneCountInString(textOf(a[0]))) }},
	"substring":  {2, 3, "string", substring},
	"strcat":     {1, 64, "string", strcat},
	"split":      {2, 3, "dynamic", split},
	"url_decode": {1, 1, "string", urlDecode},
	"parse_url":  {1, 1, "dynamic", parseURL},
	"isempty":    {1, 1, "bool", func(a []any) any { return isEmpty(a[0]) }},
	"isnotempty": {1, 1, "bool", func(a []any) any { return !isEmpty(a[0]) }},
	"isnull":     {1, 1, "bool", func(a []any) any { return dyn(a[0]) == nil }},
	"isnotnull":  {1, 1, "bool", func(a []any) any { return dyn(a[0]) != nil }},
	"not":        {1, 1, "bool", func(a []any) any { return notValue(a[0]) }},
	"indexof":    {2, 2, "long", indexOf},
	"array_length": {1, 1, "long", func(a []any) any {
		if arr, ok := dyn(a[0]).([]any); ok {
			return int64(len(arr))
		}
		return nil
	}},
	"replace_string": {3, 3, "string", func(a []any) any {
		s, lookup, rewrite := textOf(a[0]), textOf(a[1]), textOf(a[2])
		if n := strings.Count(s, lookup); len(rewrite) > len(lookup) && len(s)+n*(len(rewrite)-len(lookup)) > maxString {
			return nil
		}
		return strings.ReplaceAll(s, lookup, rewrite)
	}},
	"bin":   {2, 2, "", bin},
	"floor": {2, 2, "", bin},
}

func toLong(v any) any {
	switch x := dyn(v).(type) {
	case int64:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 1<<63 {
			return nil
		}
		return int64(x)
	case bool:
		return int64(boolInt(x))
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return toLong(f)
		}
	}
	return nil
}

func toReal(v any) any {
	switch x := dyn(v).(type) {
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f
		}
		return nil
	}
	f, ok := asFloat(v)
	if !ok {
		return nil
	}
	return f
}

func toBool(v any) any {
	switch x := dyn(v).(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1":
			return true
		case "false", "0":
			return false
		}
	}
	return nil
}

func toDatetime(v any) any {
	switch x := dyn(v).(type) {
	case time.Time:
		return x
	case string:
		if t, ok := parseDatetime(x); ok {
			return t
		}
	}
	return nil
}

// toDynamic is todynamic/parse_json: a string holding JSON becomes that
// value, any other string stays a string.
func toDynamic(v any) any {
	switch x := v.(type) {
	case string:
		return dyn(jsonText(x))
	case jsonText:
		return dyn(x)
	case time.Time, time.Duration:
		return toStr(x)
	}
	return v
}

func notValue(v any) any {
	b, ok := dyn(v).(bool)
	if !ok {
		return nil
	}
	return !b
}

func substring(a []any) any {
	r := []rune(textOf(a[0]))
	start, ok := toLong(a[1]).(int64)
	if !ok {
		return nil
	}
	if start < 0 {
		start = 0
	}
	if start > int64(len(r)) {
		return ""
	}
	end := int64(len(r))
	if len(a) == 3 {
		n, ok := toLong(a[2]).(int64)
		if !ok || n < 0 {
			return nil
		}
		if start+n < end {
			end = start + n
		}
	}
	return string(r[start:end])
}

// maxString bounds the strings strcat and replace_string build: longer
// ones are null, so that a query doubling a string in each extend cannot
// exhaust the emulator (Kusto bounds string values too).
const maxString = 1 << 20

func strcat(a []any) any {
	var b strings.Builder
	for _, v := range a {
		if b.WriteString(textOf(v)); b.Len() > maxString {
			return nil
		}
	}
	return b.String()
}

// split is split(s, delimiter[, index]): a dynamic array of the parts, or
// of the one part asked for.
func split(a []any) any {
	s, delim := textOf(a[0]), textOf(a[1])
	var parts []string
	if delim == "" {
		parts = []string{s}
	} else {
		parts = strings.Split(s, delim)
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	if len(a) == 3 {
		i, ok := toLong(a[2]).(int64)
		if !ok || i < 0 || i >= int64(len(out)) {
			return []any{}
		}
		return []any{out[i]}
	}
	return out
}

// urlDecode is url_decode: percent-decoding ('+' stays a plus, as in a
// path); a malformed escape gives null.
func urlDecode(a []any) any {
	s, err := url.PathUnescape(textOf(a[0]))
	if err != nil {
		return nil
	}
	return s
}

// parseURL is parse_url: an object of the URL's parts, as KQL names them;
// the path stays percent-encoded (url_decode decodes it).
func parseURL(a []any) any {
	u, err := url.Parse(textOf(a[0]))
	if err != nil || u.Scheme == "" {
		return map[string]any{}
	}
	params := map[string]any{}
	for k, v := range u.Query() {
		params[k] = v[len(v)-1]
	}
	pass, _ := u.User.Password()
	return map[string]any{
		"Scheme": u.Scheme, "Host": u.Hostname(), "Port": u.Port(), "Path": u.EscapedPath(),
		"Username": u.User.Username(), "Password": pass, "Query Parameters": params, "Fragment": u.Fragment,
	}
}

func indexOf(a []any) any {
	s, t := textOf(a[0]), textOf(a[1])
	i := strings.Index(s, t)
	if i < 0 {
		return int64(-1)
	}
	return int64(utf8.RuneCountInString(s[:i]))
}

// bin rounds a number, datetime or timespan down to a multiple of size.
func bin(a []any) any {
	v, size := dyn(a[0]), dyn(a[1])
	switch x := v.(type) {
	case time.Time:
		d, ok := size.(time.Duration)
		if !ok || d <= 0 {
			return nil
		}
		return time.Unix(0, 0).UTC().Add(x.Sub(time.Unix(0, 0)).Truncate(d))
	case time.Duration:
		d, ok := size.(time.Duration)
		if !ok || d <= 0 {
			return nil
		}
		return x.Truncate(d)
	}
	if xi, ok := number(v).(int64); ok {
		if si, ok := number(size).(int64); ok && si > 0 {
			q := xi / si
			if xi%si != 0 && xi < 0 {
				q--
			}
			return q * si
		}
	}
	f, ok1 := asFloat(v)
	s, ok2 := asFloat(size)
	if !ok1 || !ok2 || s <= 0 {
		return nil
	}
	return math.Floor(f/s) * s
}
