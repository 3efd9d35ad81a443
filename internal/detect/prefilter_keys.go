package detect

import "bytes"

// matchKeyed is storeNames.match narrowed to where the parser reads a
// Secrets Manager name: the values of requestParameters (secretId,
// secretIdList, name) and resources (ARN). match looks before every
// closing quote of the text, a quote every nine bytes of a CloudTrail
// record; a record's requestParameters is a few dozen bytes of it.
//
// Why it cannot miss. auditlog reads secret names only from the value of
// a member named requestParameters (an object, or a string holding one)
// or resources (an array) of a CloudTrail record or of an EventBridge
// event's detail, the member's name matched as encoding/json matches
// them: after unquoting, exactly or under its case folding, which for the
// letters of these names is ASCII case plus U+017F (ſ) for 's' (U+212A
// folds to 'k', in none of them). So:
//   - a text with a '\' goes to match whole: an escape could spell a
//     member's name unseen, or hide a quote (a string holding
//     requestParameters' object); and so does one with a ſ (byte 0xC5).
//     The caller, which searched for both already, says so with whole;
//   - otherwise no string holds a '"', so a '"' always opens or closes a
//     string, and the member is the name in some ASCII case between two
//     quotes, blanks, ':', blanks and its value's first byte — '{' or '[',
//     found here (few in a record) and read back from; at any depth,
//     which is more than the parser reads, never less;
//   - match over the value alone finds every name the parser can take
//     from it (match's argument holds for any text holding the name's
//     whole JSON string).
//
// Every record the parser reads is a JSON object spelled out in the text
// the scanner gives the prefilter — one record, a line of them, a
// {"records":[...]} wrapper or an EventBridge event — except the rows of
// a Log Analytics query answer ({"tables":[...]}), which the decoder
// assembles from the columns' names and the rows' values: a text with a
// member tables holding an array goes to match whole.
func (s *storeNames) matchKeyed(text []byte, whole bool) bool {
	if whole {
		return s.match(text)
	}
	for _, open := range [...]byte{'{', '['} {
		for i := 0; ; {
			j := bytes.IndexByte(text[i:], open)
			if j < 0 {
				break
			}
			at := i + j
			i = at + 1
			switch {
			case open == '{' && valueOf(text, at, "requestparameters"),
				open == '[' && valueOf(text, at, "resources"):
				if s.match(text[at:valueEnd(text, at)]) {
					return true
				}
			case open == '[' && valueOf(text, at, "tables"):
				return s.match(text)
			}
		}
	}
	return false
}

// valueOf reports whether the value starting at at is that of a member
// whose name is lower in some ASCII letter case: before it, blanks, ':',
// blanks, '"', the name, '"'.
func valueOf(text []byte, at int, lower string) bool {
	k := skipBlanksBack(text, at)
	if k == 0 || text[k-1] != ':' {
		return false
	}
	quote := skipBlanksBack(text, k-1) - 1
	start := quote - len(lower)
	return start >= 1 && text[quote] == '"' && text[start-1] == '"' && foldedEqual(text[start:quote], lower)
}

// skipBlanksBack returns the index just past the last byte before end that
// is not a JSON blank, 0 if none.
func skipBlanksBack(text []byte, end int) int {
	for end > 0 && isJSONBlank(text[end-1]) {
		end--
	}
	return end
}

func isJSONBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// valueEnd returns the index just past the JSON value starting at start: a
// string to its closing quote, an object or array to its matching bracket
// (strings inside skipped, escapes and all), anything else to the next
// ',', '}', ']' or blank; len(text) when the value is cut off. It does not
// validate: on broken JSON it may end early or late, where the parser
// would refuse the record anyway.
func valueEnd(text []byte, start int) int {
	depth := 0
	for i := start; i < len(text); i++ {
		switch c := text[i]; c {
		case '"':
			i = stringEnd(text, i)
			if depth == 0 {
				return min(i+1, len(text))
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		default:
			if depth == 0 && isJSONBlank(c) {
				return i
			}
		}
	}
	return len(text)
}

// stringEnd returns the index of the '"' closing the string whose opening
// quote is at open, len(text) if it is cut off.
func stringEnd(text []byte, open int) int {
	for i := open + 1; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(text)
}
