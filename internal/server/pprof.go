package server

import (
	"net/http"
	"net/http/pprof"
)

// registerPprof serves Go's profiler on mux. It is registered by hand, not
// by importing net/http/pprof for its side effect, which would put the
// profiler on http.DefaultServeMux for any server that uses it.
func registerPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
