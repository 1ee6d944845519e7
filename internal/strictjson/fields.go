package strictjson

import "reflect"

// fieldTable is fieldIndex in a form that is cheap to build and search
// for the few, small structs of a request body.
type fieldTable struct {
	fields []fieldEntry
	byName map[string]int // for large structs, where a scan would be slow
}

type fieldEntry struct {
	name  string
	field int   // t.Field(field), when index is nil
	index []int // the index path of a field promoted from an embedded struct
	raw   int8  // wantsRaw of the field: 0 not yet known, 1 no, 2 yes
}

// newFieldTable lists what fieldIndex maps. A struct without embedded
// fields is read field by field: reflect.VisibleFields would list the same
// fields in the same order, at a dozen allocations more.
func newFieldTable(t reflect.Type) *fieldTable {
	ft := &fieldTable{fields: make([]fieldEntry, 0, t.NumField())}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			ft.fields = ft.fields[:0]
			for name, idx := range fieldIndex(t) {
				ft.fields = append(ft.fields, fieldEntry{name: name, index: idx})
			}
			break
		}
		if !f.IsExported() {
			continue
		}
		name, ok := jsonName(f)
		if !ok {
			continue
		}
		if ft.lookup(name) == nil { // the first of two equal names wins
			ft.fields = append(ft.fields, fieldEntry{name: name, field: i})
		}
	}
	ft.index()
	return ft
}

func (ft *fieldTable) index() {
	if len(ft.fields) > 16 {
		ft.byName = make(map[string]int, len(ft.fields))
		for i, f := range ft.fields {
			ft.byName[f.name] = i
		}
	}
}

// lookup finds the field whose JSON name is exactly key.
func (ft *fieldTable) lookup(key string) *fieldEntry {
	if ft.byName != nil {
		if i, ok := ft.byName[key]; ok {
			return &ft.fields[i]
		}
		return nil
	}
	for i := range ft.fields {
		if ft.fields[i].name == key {
			return &ft.fields[i]
		}
	}
	return nil
}

// of is the field in v, a struct of the table's type; nil embedded
// pointers on the way are allocated.
func (f *fieldEntry) of(v reflect.Value) reflect.Value {
	if f.index == nil {
		return v.Field(f.field)
	}
	return fieldByIndex(v, f.index)
}

// wantsRaw is wantsRawType(t) for the field's type t, worked out once.
func (f *fieldEntry) wantsRaw(t reflect.Type) bool {
	if f.raw == 0 {
		f.raw = 1
		if wantsRawType(t) {
			f.raw = 2
		}
	}
	return f.raw == 2
}
