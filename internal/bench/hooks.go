package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// hookServer receives every webhook supplier's deliveries on loopback at
// /hook/<supplier code>, and checks each signature with the stock Standard
// Webhooks library, as a supplier would.
type hookServer struct {
	srv     *http.Server
	ln      net.Listener
	tr      *tracker
	secrets map[string]*standardwebhooks.Webhook // supplier code → verifier
}

func newHookServer(tr *tracker, secrets map[string]string) (*hookServer, error) {
	h := &hookServer{tr: tr, secrets: map[string]*standardwebhooks.Webhook{}}
	for code, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			return nil, fmt.Errorf("webhook secret for %s: %w", code, err)
		}
		h.secrets[code] = wh
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for webhooks: %w", err)
	}
	h.ln = ln
	h.srv = &http.Server{Handler: http.HandlerFunc(h.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

// url is the receiver address for supplier code.
func (h *hookServer) url(code string) string {
	return "http://" + h.ln.Addr().String() + "/hook/" + code
}

func (h *hookServer) close() { _ = h.srv.Shutdown(context.Background()) }

func (h *hookServer) serve(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimPrefix(r.URL.Path, "/hook/")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the sender went away: nothing was delivered
	}
	wh := h.secrets[code]
	if wh == nil {
		h.tr.refused("webhook for unknown supplier " + code)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if err := wh.Verify(body, r.Header); err != nil {
		h.tr.refused("webhook " + r.Header.Get("webhook-id") + ": " + err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev struct {
		Data struct {
			Number string `json:"number"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.Data.Number == "" {
		h.tr.refused(fmt.Sprintf("webhook %s: no data.number (%v)", r.Header.Get("webhook-id"), err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.tr.arrived(ev.Data.Number, time.Now())
	w.WriteHeader(http.StatusNoContent)
}
