package store

import (
	"fmt"
	"time"
)

// timeCol scans a timestamp stored as microseconds (SQLite) or TIMESTAMPTZ
// (PostgreSQL) into a UTC time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		*c.t = time.UnixMicro(x).UTC()
	case time.Time:
		*c.t = x.UTC()
	case nil:
		*c.t = time.Time{}
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

// nullTimeCol scans a nullable timestamp into a *time.Time.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// jsonCol scans JSON stored as TEXT (SQLite) or JSONB (PostgreSQL).
type jsonCol struct{ b *[]byte }

func (c jsonCol) Scan(v any) error {
	switch x := v.(type) {
	case []byte:
		*c.b = append((*c.b)[:0], x...)
	case string:
		*c.b = []byte(x)
	case nil:
		*c.b = nil
	default:
		return fmt.Errorf("scan json: unexpected %T", v)
	}
	return nil
}
