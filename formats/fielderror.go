package formats

import "errors"

// FieldError is a configuration problem with one key of a Spec, named the
// way the operator wrote it (e.g. "csv.delimiter").
type FieldError struct {
	Field  string
	Reason string
}

// Error returns "field: reason".
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// joinProblems returns nil for no problems, so Validate can return it as is.
func joinProblems(ps []*FieldError) error {
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// withPrefix names nested problems after their parent key, so an operator
// sees "csv.delimiter" rather than a bare "delimiter".
func withPrefix(prefix string, ps []*FieldError) []*FieldError {
	out := make([]*FieldError, len(ps))
	for i, p := range ps {
		out[i] = &FieldError{Field: prefix + "." + p.Field, Reason: p.Reason}
	}
	return out
}
