package loganalytics

import (
	"math"
	"strings"
	"time"
)

// The scalar operators: comparisons, string operators and arithmetic.

// typeGroups are the types KQL compares with one another.
var typeGroups = map[string]string{
	"int": "number", "long": "number", "real": "number", "string": "string", "guid": "string",
	"datetime": "datetime", "timespan": "timespan", "bool": "bool",
}

// comparable reports whether op may compare values of types a and b, as
// KQL checks before it runs a query: numbers with numbers, strings with
// strings and so on, anything with dynamic; =~ and !~ compare strings.
func comparable(op, a, b string) bool {
	if op == "=~" || op == "!~" {
		return (a == "string" || a == "dynamic" || a == "guid") && (b == "string" || b == "dynamic" || b == "guid")
	}
	return a == "dynamic" || b == "dynamic" || typeGroups[a] == typeGroups[b]
}

// compare is == != =~ !~ < <= > >=; a null or a value of another type is
// equal to nothing.
func compare(op string, a, b any) any {
	switch op {
	case "=~", "!~":
		return strings.EqualFold(textOf(a), textOf(b)) == (op == "=~")
	}
	c, ok := compareValues(a, b)
	if !ok {
		if op == "!=" {
			return true
		}
		if op == "==" {
			return false
		}
		return nil
	}
	switch op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// stringOp runs a string operator; all but the _cs ones ignore case.
func stringOp(op, s, t string) bool {
	neg := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	if cs := strings.TrimSuffix(op, "_cs"); cs != op {
		op = cs
	} else {
		s, t = strings.ToLower(s), strings.ToLower(t)
	}
	var ok bool
	switch op {
	case "has":
		ok = hasTerm(s, t)
	case "contains":
		ok = strings.Contains(s, t)
	case "startswith":
		ok = strings.HasPrefix(s, t)
	case "endswith":
		ok = strings.HasSuffix(s, t)
	case "hasprefix":
		ok = hasTermPrefix(s, t)
	case "hassuffix":
		ok = hasTermSuffix(s, t)
	}
	return ok != neg
}

func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c >= 0x80
}

// hasTerm is has: t occurs in s as whole terms, a term being a run of
// letters and digits, so "KeySign" has "keysign" but not "key".
func hasTerm(s, t string) bool { return termMatch(s, t, true, true) }

// hasTermPrefix is hasprefix: t starts a term of s.
func hasTermPrefix(s, t string) bool { return termMatch(s, t, true, false) }

// hasTermSuffix is hassuffix: t ends a term of s.
func hasTermSuffix(s, t string) bool { return termMatch(s, t, false, true) }

// termMatch looks for t in s starting (before) and/or ending (after) at a
// term boundary; a t that starts or ends with punctuation is its own
// boundary there.
func termMatch(s, t string, before, after bool) bool {
	if t == "" {
		return true
	}
	for from := 0; from+len(t) <= len(s); {
		i := strings.Index(s[from:], t)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(t)
		okBefore := !before || i == 0 || !isAlnum(s[i-1]) || !isAlnum(t[0])
		okAfter := !after || j == len(s) || !isAlnum(s[j]) || !isAlnum(t[len(t)-1])
		if okBefore && okAfter {
			return true
		}
		from = i + 1
	}
	return false
}

func arithType(op, l, r string) string {
	switch {
	case l == "datetime" && r == "datetime" && op == "-":
		return "timespan"
	case l == "datetime" || r == "datetime":
		return "datetime"
	case l == "timespan" || r == "timespan":
		return "timespan"
	case l == "real" || r == "real":
		return "real"
	case l == "dynamic" || r == "dynamic":
		return "dynamic"
	}
	return "long"
}

// arith is + - * / % over numbers, datetimes and timespans; null when the
// operands do not fit.
func arith(op string, a, b any) any {
	a, b = dyn(a), dyn(b)
	switch x := a.(type) {
	case time.Time:
		switch y := b.(type) {
		case time.Time:
			if op == "-" {
				return x.Sub(y)
			}
		case time.Duration:
			switch op {
			case "+":
				return x.Add(y)
			case "-":
				return x.Add(-y)
			}
		}
		return nil
	case time.Duration:
		switch y := b.(type) {
		case time.Duration:
			switch op {
			case "+":
				return x + y
			case "-":
				return x - y
			case "/":
				if y != 0 {
					return float64(x) / float64(y)
				}
			}
		case time.Time:
			if op == "+" {
				return y.Add(x)
			}
		}
		if f, ok := asFloat(b); ok && (op == "*" || op == "/") {
			if op == "/" {
				if f == 0 {
					return nil
				}
				f = 1 / f
			}
			return time.Duration(float64(x) * f)
		}
		return nil
	}
	if d, ok := b.(time.Duration); ok && op == "*" {
		return arith(op, d, a)
	}
	na, nb := number(a), number(b)
	if na == nil || nb == nil {
		return nil
	}
	ia, aInt := na.(int64)
	ib, bInt := nb.(int64)
	if aInt && bInt {
		switch op {
		case "+":
			return ia + ib
		case "-":
			return ia - ib
		case "*":
			return ia * ib
		case "/":
			if ib == 0 || (ia == math.MinInt64 && ib == -1) {
				return nil
			}
			return ia / ib
		case "%":
			if ib == 0 || (ia == math.MinInt64 && ib == -1) {
				return nil
			}
			return ia % ib
		}
	}
	fa, _ := asFloat(na)
	fb, _ := asFloat(nb)
	switch op {
	case "+":
		return fa + fb
	case "-":
		return fa - fb
	case "*":
		return fa * fb
	case "/":
		return fa / fb
	case "%":
		return math.Mod(fa, fb)
	}
	return nil
}
