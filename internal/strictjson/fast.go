package strictjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf16"
)

// decodeFast decodes a body that lex accepts, walking its tokens exactly as
// decodeSlow walks encoding/json's Decoder.Token: the same checks in the same
// order, with the same messages. It is cheaper because it boxes no token in
// an interface, copies a string only when it is stored, spells out a path
// only when an error names it, and looks type facts up once per body.
// ok is false, and v untouched, when lex refuses the body: then decodeSlow
// must answer.
func decodeFast(body []byte, v reflect.Value) (errs []FieldError, ok bool) {
	// An order body has roughly one token per 8 bytes; append grows the
	// rare denser body.
	toks, ok := lex(body, make([]token, 0, len(body)/8+16))
	if !ok {
		return nil, false
	}
	d := fastDecoder{body: body, toks: toks, types: make([]typeInfo, 0, 16), seen: make([][]byte, 0, 16)}
	_ = d.value(v, wantsRawType(v.Type()), 1) // lex has seen that nothing follows the value
	return d.errs, true
}

type fastDecoder struct {
	body  []byte
	toks  []token
	pos   int // the next token
	errs  []FieldError
	types []typeInfo
	// seen holds the keys of the objects being walked, innermost last,
	// to find duplicates without a map per object.
	seen [][]byte
	// at is the path of the value being walked, spelled out only for an
	// error message.
	at []pathStep
}

// typeInfo caches, for one body, what the walk asks of a type again and
// again.
type typeInfo struct {
	t      reflect.Type
	raw    bool        // wantsRaw
	fields *fieldTable // for structs, once needed
}

// info finds t's entry; a body meets few types, so a slice beats a map.
func (d *fastDecoder) info(t reflect.Type) *typeInfo {
	for i := range d.types {
		if d.types[i].t == t {
			return &d.types[i]
		}
	}
	d.types = append(d.types, typeInfo{t: t, raw: wantsRawType(t)})
	return &d.types[len(d.types)-1]
}

func (d *fastDecoder) fields(t reflect.Type) *fieldTable {
	ti := d.info(t)
	if ti.fields == nil {
		ti.fields = newFieldTable(t)
	}
	return ti.fields
}

// pathStep is one step of a value's path: an object member's key, or an
// array element's index when isIndex.
type pathStep struct {
	key     token
	index   int
	isIndex bool
}

// path spells out the current path as decodeSlow builds it step by step.
func (d *fastDecoder) path() string {
	path := ""
	for _, s := range d.at {
		if s.isIndex {
			path = index(path, s.index)
		} else {
			path = child(path, d.text(s.key))
		}
	}
	return path
}

// add records a field error at the current path as decodeSlow's add does.
func (d *fastDecoder) add(format string, a ...any) error {
	return d.addAt(d.path(), format, a...)
}

func (d *fastDecoder) addAt(path, format string, a ...any) error {
	return addError(&d.errs, path, format, a...)
}

// text is the value of the string token t as Decoder.Token gives it:
// invalid UTF-8 and lone surrogates become U+FFFD.
func (d *fastDecoder) text(t token) string {
	raw := d.body[t.start:t.end]
	switch {
	case t.plain:
		return string(raw[1 : len(raw)-1])
	case !validString(raw):
		var s string
		_ = json.Unmarshal(raw, &s) // encoding/json's own replacements; lex vetted the syntax
		return s
	case !t.escaped:
		return string(raw[1 : len(raw)-1])
	}
	return unescape(raw[1 : len(raw)-1])
}

// value decodes the next JSON value into v. An invalid v means "check and
// skip": the value belongs to an unknown field or a mistyped container.
// whole is wantsRaw(v), which the caller knows for all members or elements
// of a container at once.
func (d *fastDecoder) value(v reflect.Value, whole bool, depth int) error {
	t := d.toks[d.pos]
	d.pos++
	if t.kind != '{' && t.kind != '[' {
		return d.scalar(v, whole, t)
	}
	if depth > MaxDepth { // lex lets no such body through; kept to mirror decodeSlow
		_ = d.add("nests deeper than %d levels", MaxDepth)
		return errStop
	}
	if v.IsValid() && whole {
		// A custom decoder or an interface gets the whole value at once,
		// after the walk has vetted its strings and keys.
		if err := d.container(t.kind, reflect.Value{}, depth); err != nil {
			return err
		}
		return d.unmarshal(d.body[t.start:d.toks[d.pos-1].end], v)
	}
	if v.IsValid() {
		var mismatch string
		if v, mismatch = containerTarget(v, t.kind); mismatch != "" {
			if err := d.add("%s", mismatch); err != nil {
				return err
			}
		}
	}
	return d.container(t.kind, v, depth)
}

// container walks the object or array just opened by kind into v (which
// is a struct, a map, a slice, or invalid to skip).
func (d *fastDecoder) container(kind byte, v reflect.Value, depth int) error {
	if kind == '[' {
		return d.array(v, depth)
	}
	var mapKey, mapElem reflect.Value
	var elemRaw bool
	var fields *fieldTable
	switch {
	case !v.IsValid():
	case v.Kind() == reflect.Struct:
		fields = d.fields(v.Type())
	default:
		// One key and one element, zeroed per member, serve the whole
		// object: SetMapIndex copies them into the map.
		mapKey = reflect.New(v.Type().Key()).Elem()
		mapElem = reflect.New(v.Type().Elem()).Elem()
		elemRaw = d.info(v.Type().Elem()).raw
	}
	seenFrom := len(d.seen)
	var seenSet map[string]bool // for large objects, where a scan would be quadratic
	for d.toks[d.pos].kind != '}' {
		kt := d.toks[d.pos]
		d.pos++
		raw := d.body[kt.start:kt.end]
		var key []byte
		if kt.plain {
			key = raw[1 : len(raw)-1]
		} else {
			key = []byte(d.text(kt))
		}
		var target reflect.Value
		var whole bool
		var err error
		switch {
		case !kt.plain && !validString(raw):
			err = d.add("key %s is not valid UTF-8", quoteRaw(raw))
		case d.isSeen(key, seenFrom, seenSet):
			err = d.addMember(kt, "duplicate key: a repeated key is ambiguous, send it once")
		case !v.IsValid():
		case v.Kind() == reflect.Struct:
			if f := fields.lookup(string(key)); f != nil {
				target = f.of(v)
				whole = f.wantsRaw(target.Type())
			} else {
				err = d.addMember(kt, "unknown field")
			}
		default: // map with string keys, made by value
			mapElem.SetZero()
			target, whole = mapElem, elemRaw
		}
		if err != nil {
			return err
		}
		d.seen = append(d.seen, key)
		if seenSet == nil && len(d.seen)-seenFrom > 16 {
			seenSet = make(map[string]bool, 2*(len(d.seen)-seenFrom))
			for _, k := range d.seen[seenFrom:] {
				seenSet[string(k)] = true
			}
		} else if seenSet != nil {
			seenSet[string(key)] = true
		}
		d.at = append(d.at, pathStep{key: kt})
		if err := d.value(target, whole, depth+1); err != nil {
			return err
		}
		d.at = d.at[:len(d.at)-1]
		if target.IsValid() && v.Kind() == reflect.Map {
			mapKey.SetString(string(key))
			v.SetMapIndex(mapKey, target)
		}
	}
	d.pos++ // '}'
	d.seen = d.seen[:seenFrom]
	return nil
}

// addMember records a field error at the current path's member key.
func (d *fastDecoder) addMember(key token, format string, a ...any) error {
	d.at = append(d.at, pathStep{key: key})
	err := d.add(format, a...)
	d.at = d.at[:len(d.at)-1]
	return err
}

// isSeen reports whether the object whose keys start at seen[from] already
// had key.
func (d *fastDecoder) isSeen(key []byte, from int, set map[string]bool) bool {
	if set != nil {
		return set[string(key)]
	}
	for _, k := range d.seen[from:] {
		if string(k) == string(key) {
			return true
		}
	}
	return false
}

// array walks the array just opened into v (a slice, or invalid to skip).
func (d *fastDecoder) array(v reflect.Value, depth int) error {
	var elemRaw bool
	if v.IsValid() {
		v.SetLen(0)
		elemRaw = d.info(v.Type().Elem()).raw
	}
	for i := 0; d.toks[d.pos].kind != ']'; i++ {
		var elem reflect.Value
		if v.IsValid() {
			// Append a zero element in place, as reflect.Append(v, Zero)
			// would, without boxing a zero value per element.
			n := v.Len()
			if n == v.Cap() {
				v.Grow(1)
			}
			v.SetLen(n + 1)
			elem = v.Index(n)
			elem.SetZero()
		}
		d.at = append(d.at, pathStep{index: i, isIndex: true})
		if err := d.value(elem, elemRaw, depth+1); err != nil {
			return err
		}
		d.at = d.at[:len(d.at)-1]
	}
	d.pos++ // ']'
	return nil
}

// scalar checks a string, number, boolean or null and stores it in v.
func (d *fastDecoder) scalar(v reflect.Value, whole bool, t token) error {
	raw := d.body[t.start:t.end]
	if t.kind == '"' && !t.plain && !validString(raw) {
		return d.add("is not valid UTF-8 (%s); send UTF-8 text", quoteRaw(raw))
	}
	if !v.IsValid() || t.kind == 'n' {
		return nil // skipped, or null: the zero value stays
	}
	if !whole {
		// Fast paths for the common kinds; anything unusual goes through
		// encoding/json below for its exact semantics and error.
		switch t.kind {
		case '"':
			if v.Kind() == reflect.String {
				v.SetString(d.text(t))
				return nil
			}
		case '0':
			switch v.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				if n, ok := parseInt(raw); ok && !v.OverflowInt(n) {
					v.SetInt(n)
					return nil
				}
			}
		case 't', 'f':
			if v.Kind() == reflect.Bool {
				v.SetBool(t.kind == 't')
				return nil
			}
		}
	}
	return d.unmarshal(raw, v)
}

// unmarshal hands one vetted value to encoding/json, keeping its path.
func (d *fastDecoder) unmarshal(raw []byte, v reflect.Value) error {
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		return addUnmarshalError(&d.errs, d.path(), err)
	}
	return nil
}

// parseInt parses a JSON number that is an integer in int64's range, as
// strconv.ParseInt(s, 10, 64) does, without making it a string first.
func parseInt(raw []byte) (int64, bool) {
	neg := len(raw) > 0 && raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	if len(digits) == 0 || len(digits) > 19 {
		return 0, false // 19 digits hold every int64; more overflow
	}
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false // a fraction or an exponent
		}
		n = n*10 + uint64(c-'0') // cannot wrap: at most 19 digits
	}
	switch {
	case neg && n <= 1<<63:
		return -int64(n), true
	case !neg && n < 1<<63:
		return int64(n), true
	}
	return 0, false
}

// unescape decodes the body of a JSON string literal that validString
// accepts, so every surrogate escape is half of a pair.
func unescape(s []byte) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			b.Write(s[i:j])
			i = j
			continue
		}
		c := s[i+1]
		i += 2
		switch c {
		case 'u':
			r, _ := hex4(s, i)
			i += 4
			if utf16.IsSurrogate(r) {
				lo, _ := hex4(s, i+2)
				r = utf16.DecodeRune(r, lo)
				i += 6
			}
			b.WriteRune(r)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default: // '"', '\\', '/'
			b.WriteByte(c)
		}
	}
	return b.String()
}
