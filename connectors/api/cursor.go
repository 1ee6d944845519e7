package api

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A cursor is the (time, id) of the last row of a page, opaque to clients.
func encodeCursor(t time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + ":" + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (time.Time, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("malformed cursor")
	}
	ts, ids, ok := strings.Cut(string(b), ":")
	us, err1 := strconv.ParseInt(ts, 10, 64)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, fmt.Errorf("malformed cursor")
	}
	return time.UnixMicro(us).UTC(), id, nil
}
