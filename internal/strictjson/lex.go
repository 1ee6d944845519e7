package strictjson

import "math"

// token is one JSON token of a body that lex has checked: body[start:end]
// is its literal, with quotes for strings and keys.
type token struct {
	start, end int32 // int32 halves the token list; lex refuses larger bodies
	kind       byte  // '{', '}', '[', ']', '"', '0' (number), 't', 'f', 'n'
	// plain marks a string without escapes or bytes above ASCII: it is
	// valid UTF-8 and its value is its bytes between the quotes.
	plain bool
	// escaped marks a string with a backslash, whose value needs unescaping.
	escaped bool
}

// lex splits body into tokens, appended to toks. It reports ok only if body
// is exactly one well-formed JSON value (RFC 8259, as encoding/json's
// scanner reads it: any bytes ≥ 0x80 inside strings are left for the
// UTF-8 check), surrounded by nothing but JSON whitespace and nested at most
// MaxDepth deep. Everything else is left to the slow walk, which owns the
// wording and byte offsets of syntax errors, so lex needs no messages.
func lex(body []byte, toks []token) ([]token, bool) {
	if len(body) > math.MaxInt32 {
		return toks, false
	}
	var stack [MaxDepth]byte // the open containers' kinds
	depth := 0
	i := skipSpace(body, 0)
	// Each turn of the loop reads one value at i, then the separators and
	// closing brackets after it up to the next value.
	for {
		if i >= len(body) {
			return toks, false
		}
		c := body[i]
		switch {
		case c == '{' || c == '[':
			if depth == MaxDepth {
				return toks, false // the slow walk names the path that nests too deep
			}
			stack[depth] = c
			depth++
			toks = append(toks, token{start: int32(i), end: int32(i + 1), kind: c})
			i = skipSpace(body, i+1)
			if i < len(body) && body[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				toks = append(toks, token{start: int32(i), end: int32(i + 1), kind: c + 2})
				depth--
				i++
				break
			}
			if c == '{' {
				var ok bool
				if toks, i, ok = lexKey(body, i, toks); !ok {
					return toks, false
				}
			}
			continue // the first value of the container
		case c == '"':
			t, ok := lexString(body, i)
			if !ok {
				return toks, false
			}
			toks = append(toks, t)
			i = int(t.end)
		case c == '-' || c >= '0' && c <= '9':
			end, ok := lexNumber(body, i)
			if !ok {
				return toks, false
			}
			toks = append(toks, token{start: int32(i), end: int32(end), kind: '0'})
			i = end
		case c == 't' || c == 'f' || c == 'n':
			lit := "null"
			if c == 't' {
				lit = "true"
			} else if c == 'f' {
				lit = "false"
			}
			if len(body)-i < len(lit) || string(body[i:i+len(lit)]) != lit {
				return toks, false
			}
			toks = append(toks, token{start: int32(i), end: int32(i + len(lit)), kind: c})
			i += len(lit)
		default:
			return toks, false
		}
		// After a value: close containers, or find the comma before the next.
		for {
			i = skipSpace(body, i)
			if depth == 0 {
				return toks, i == len(body)
			}
			if i >= len(body) {
				return toks, false
			}
			c := body[i]
			if c == stack[depth-1]+2 {
				toks = append(toks, token{start: int32(i), end: int32(i + 1), kind: c})
				depth--
				i++
				continue
			}
			if c != ',' {
				return toks, false
			}
			i = skipSpace(body, i+1)
			if stack[depth-1] == '{' {
				var ok bool
				if toks, i, ok = lexKey(body, i, toks); !ok {
					return toks, false
				}
			}
			break
		}
	}
}

// lexKey reads an object key and its colon at i, and the space after.
func lexKey(body []byte, i int, toks []token) ([]token, int, bool) {
	if i >= len(body) || body[i] != '"' {
		return toks, i, false
	}
	t, ok := lexString(body, i)
	if !ok {
		return toks, i, false
	}
	toks = append(toks, t)
	i = skipSpace(body, int(t.end))
	if i >= len(body) || body[i] != ':' {
		return toks, i, false
	}
	return toks, skipSpace(body, i+1), true
}

// lexString reads the string literal starting with the quote at i.
func lexString(body []byte, i int) (token, bool) {
	t := token{start: int32(i), kind: '"', plain: true}
	for j := i + 1; j < len(body); {
		c := body[j]
		switch {
		case c == '"':
			t.end = int32(j + 1)
			return t, true
		case c == '\\':
			t.plain, t.escaped = false, true
			if j+1 >= len(body) {
				return t, false
			}
			switch body[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(body) {
					return t, false
				}
				for _, h := range body[j+2 : j+6] {
					if hexValue(h) < 0 {
						return t, false
					}
				}
				j += 6
			default:
				return t, false
			}
		case c < 0x20:
			return t, false // control characters must be escaped
		default:
			if c >= 0x80 {
				t.plain = false
			}
			j++
		}
	}
	return t, false
}

// lexNumber reads the number starting at i and returns where it ends:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func lexNumber(body []byte, i int) (int, bool) {
	if body[i] == '-' {
		i++
	}
	switch {
	case i < len(body) && body[i] == '0':
		i++
	case i < len(body) && body[i] >= '1' && body[i] <= '9':
		i = skipDigits(body, i+1)
	default:
		return i, false
	}
	if i < len(body) && body[i] == '.' {
		j := skipDigits(body, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		j := skipDigits(body, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func skipDigits(body []byte, i int) int {
	for i < len(body) && body[i] >= '0' && body[i] <= '9' {
		i++
	}
	return i
}

// skipSpace skips JSON whitespace, which is only these four bytes.
func skipSpace(body []byte, i int) int {
	for i < len(body) {
		switch body[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// hexValue is the value of a hex digit, or -1.
func hexValue(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}
