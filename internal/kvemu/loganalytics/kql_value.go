package loganalytics

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// Values while a query runs, by KQL type:
//
//	string, guid   string
//	long, int      int64
//	real           float64
//	bool           bool
//	datetime       time.Time
//	timespan       time.Duration
//	dynamic        jsonText (as stored, parsed when looked into), or what
//	               encoding/json gives (map[string]any, []any, string,
//	               int64 for whole numbers, float64, bool, nil)
//
// and nil for null. A string is never null in KQL: a missing string
// column reads as "".

// jsonText is a stored dynamic value, kept as its text so that a column
// passed through a query comes back exactly as it was stored.
type jsonText string

// dyn returns v looked into: a jsonText parsed (text that is not JSON is a
// string, as todynamic makes it).
func dyn(v any) any {
	t, ok := v.(jsonText)
	if !ok {
		return v
	}
	var out any
	if err := json.Unmarshal([]byte(t), &out); err != nil {
		return string(t)
	}
	return normJSON(out)
}

// normJSON turns whole numbers of decoded JSON into int64, recursively.
func normJSON(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	case []any:
		for i := range x {
			x[i] = normJSON(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normJSON(x[k])
		}
	}
	return v
}

// fromStored reads a stored cell of a column of type typ.
func fromStored(typ string, v any) any {
	switch typ {
	case "string":
		if v == nil {
			return ""
		}
		if s, ok := v.(string); ok {
			return s
		}
		return toStr(v)
	case "datetime":
		switch x := v.(type) {
		case time.Time:
			return x.UTC()
		case string:
			if t, ok := parseDatetime(x); ok {
				return t
			}
		}
		return nil
	case "dynamic":
		if s, ok := v.(string); ok {
			return jsonText(s)
		}
		return v
	case "int", "long":
		switch x := v.(type) {
		case int:
			return int64(x)
		case int64:
			return x
		case float64:
			return int64(x)
		}
		return nil
	case "real":
		switch x := v.(type) {
		case int:
			return float64(x)
		case int64:
			return float64(x)
		case float64:
			return x
		}
		return nil
	}
	return v
}

// wire renders a value of a column of type typ as the query API answers:
// datetimes in the emulator's layout, timespans as [d.]hh:mm:ss[.fffffff],
// dynamic values as JSON text.
func wire(typ string, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return x.UTC().Format(kvemu.TimeLayout)
	case time.Duration:
		return formatTimespan(x)
	case jsonText:
		return string(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	if typ == "dynamic" {
		if s, ok := v.(string); ok {
			return s
		}
		b, err := marshalJSON(v)
		if err != nil {
			return nil
		}
		return b
	}
	return v
}

// formatTimespan writes d as KQL prints a timespan.
func formatTimespan(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	s := fmt.Sprintf("%02d:%02d:%02d", d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second)
	if frac := d % time.Second / 100; frac != 0 {
		s += fmt.Sprintf(".%07d", frac)
	}
	if days > 0 {
		s = fmt.Sprintf("%d.%s", days, s)
	}
	return sign + s
}

// toStr is tostring(): null is "", a dynamic string is itself, other
// dynamic values their JSON.
func toStr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case jsonText:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(kvemu.TimeLayout)
	case time.Duration:
		return formatTimespan(x)
	}
	b, err := marshalJSON(v)
	if err != nil {
		return ""
	}
	return b
}

// textOf is a value as string operators and tostring() read it: a
// dynamic string is its text, other dynamic values their JSON.
func textOf(v any) string {
	if t, ok := v.(jsonText); ok {
		if s, ok := dyn(t).(string); ok {
			return s
		}
		return string(t)
	}
	return toStr(dyn(v))
}

// marshalJSON writes v as compact JSON without HTML escaping (KQL prints
// < and & as they are).
func marshalJSON(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// number returns v as a number: an int64 or a float64, or nil.
func number(v any) any {
	switch x := dyn(v).(type) {
	case int64, float64:
		return x
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return nil
}

func asFloat(v any) (float64, bool) {
	switch x := number(v).(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// compareValues orders a and b when they are of comparable types: numbers
// with numbers, strings with strings, datetimes, timespans, bools.
func compareValues(a, b any) (int, bool) {
	a, b = dyn(a), dyn(b)
	if a == nil || b == nil {
		return 0, false
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), true
		}
	case time.Duration:
		if y, ok := b.(time.Duration); ok {
			return cmpOrdered(x, y), true
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmpOrdered(boolInt(x), boolInt(y)), true
		}
	case int64, float64:
		if ai, ok := x.(int64); ok {
			if bi, ok := b.(int64); ok {
				return cmpOrdered(ai, bi), true
			}
		}
		fa, _ := asFloat(x)
		if fb, ok := b.(float64); ok {
			return cmpOrdered(fa, fb), true
		}
		if bi, ok := b.(int64); ok {
			return cmpOrdered(fa, float64(bi)), true
		}
	}
	return 0, false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmpOrdered[T int | int64 | float64 | time.Duration](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// canon is a value's identity for grouping, joining and distinct: equal
// values of one type have the same canon, 1 and 1.0 too.
func canon(v any) string {
	switch x := dyn(v).(type) {
	case nil:
		return "null"
	case string:
		return "s" + x
	case int64:
		return "n" + strconv.FormatFloat(float64(x), 'g', -1, 64)
	case float64:
		return "n" + strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return "b" + strconv.FormatBool(x)
	case time.Time:
		return "t" + strconv.FormatInt(x.UnixNano(), 10)
	case time.Duration:
		return "d" + strconv.FormatInt(int64(x), 10)
	default:
		b, _ := marshalJSON(x)
		return "j" + b
	}
}

// isEmpty is isempty(): null or "".
func isEmpty(v any) bool {
	v = dyn(v)
	if s, ok := v.(string); ok {
		return s == ""
	}
	return v == nil
}

// truthy is a predicate's result: only true is true.
func truthy(v any) bool {
	b, ok := dyn(v).(bool)
	return ok && b
}
