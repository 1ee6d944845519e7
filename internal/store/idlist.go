package store

import (
	"strconv"
)

// idListJSONMin is the list length from which idList passes the ids to
// SQLite as one JSON array instead of one parameter each.
const idListJSONMin = stmtCacheMaxParams + 1

// idList returns what goes inside `col IN (…)` for ids, with its
// arguments numbered from $1. On SQLite a list longer than the statement
// cache takes (stmtCacheMaxParams) is one JSON array read by json_each:
// one constant text that stays prepared, where a page of 100 otherwise
// compiled two 100-parameter statements on every request, a tenth of its
// CPU. PostgreSQL keeps one parameter per id: pgx caches each text, and
// its planner estimates an IN list better than a function's rows.
func (s *Store) idList(ids []int64) (string, []any) {
	if s.Kind() == KindSQLite && len(ids) >= idListJSONMin {
		b := make([]byte, 0, 8*len(ids)+2)
		b = append(b, '[')
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, id, 10)
		}
		b = append(b, ']')
		return "SELECT value FROM json_each($1)", []any{string(b)}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return placeholders(len(ids)), args
}
