package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/supplyhub/supplyhub/pipeline"
)

// readBody reads the request body up to maxBody, answering 413 itself when
// it is larger.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body exceeds %d bytes", s.maxBody), nil)
		return nil, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_request", "could not read the request body: "+err.Error(), nil)
		return nil, false
	}
	return body, true
}

// decodeBody reads a strict JSON body into v with pipeline.DecodeJSON, the
// decoder every endpoint shares: invalid UTF-8, duplicate keys, unknown
// fields, wrong types and deep nesting are a 422 naming each field. It
// answers 413/422 itself and reports whether v was filled.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	return s.decodeBodyAs(w, r, v, "the body has invalid fields")
}

// decodeBodyAs is decodeBody with the 422's message.
func (s *Server) decodeBodyAs(w http.ResponseWriter, r *http.Request, v any, invalid string) bool {
	body, ok := s.readBody(w, r)
	if !ok {
		return false
	}
	err := pipeline.DecodeJSON(body, v)
	var ve *pipeline.ValidationError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusUnprocessableEntity, "invalid", invalid, ve.Fields)
		return false
	case err != nil:
		s.internal(w, r, err)
		return false
	}
	return true
}

// textProblems lists the fields among vals (field name → value) that hold
// control characters; multiline fields may hold tab, CR and LF.
func textProblems(multiline bool, vals ...string) []pipeline.FieldError {
	var fe []pipeline.FieldError
	for i := 0; i+1 < len(vals); i += 2 {
		if pipeline.HasControl(vals[i+1], multiline) {
			msg := "must be one line without control characters (CR, LF, tab, …)"
			if multiline {
				msg = "must not hold control characters other than tab, CR and LF"
			}
			fe = append(fe, pipeline.FieldError{Field: vals[i], Message: msg})
		}
	}
	return fe
}
