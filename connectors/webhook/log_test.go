package webhook

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestLoggerRedactsAndStaysAtDebug(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, _ := newServer(t, status(http.StatusInternalServerError))
	c := newTestClient(t, Options{Logger: log})
	c.Send(context.Background(), Endpoint{URL: srv.URL + "/h?token=s3cr3t", Secrets: []string{NewSecret()}}, testMessage(t))
	c.Send(context.Background(), Endpoint{URL: "http://127.0.0.1:1/h?token=s3cr3t", Secrets: []string{NewSecret()}}, testMessage(t))
	out := buf.String()
	if strings.Contains(out, "s3cr3t") {
		t.Fatalf("log leaks the query token:\n%s", out)
	}
	if !strings.Contains(out, "retryablehttp: performing request") || !strings.Contains(out, "webhook attempt") {
		t.Fatalf("expected library and attempt lines:\n%s", out)
	}
	if strings.Contains(out, "level=ERROR") || strings.Contains(out, "level=INFO") {
		t.Fatalf("a failing receiver logged above debug:\n%s", out)
	}
}
