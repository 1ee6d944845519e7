package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/email"
	"github.com/supplyhub/supplyhub/internal/app"
	"github.com/supplyhub/supplyhub/internal/tlsca/tlscatest"
)

// TestCAFileConfig: an FTP channel's ca_file is checked at config check
// under the channel's key, and mail.smtp.ca_file reaches the transport.
func TestCAFileConfig(t *testing.T) {
	ca := tlscatest.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "supplyhub.yaml")
	body := `mail: {transport: smtp, smtp: {host: mx.example, ca_file: "` + ca.File + `"}}
suppliers:
  - code: "31"
    name: Tools
    channels:
      - {name: good, type: ftp, host: ftp.example, user: u, ca_file: "` + ca.File + `"}
      - {name: missing, type: ftp, host: ftp.example, user: u, ca_file: "` + dir + `/missing.pem"}
      - {name: both, type: ftp, host: ftp.example, user: u, ca_file: "` + ca.File + `", ca_cert: "x"}
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, nil, app.ChannelCheck(nil))
	ps, ok := err.(config.Problems)
	if !ok || len(ps) != 2 {
		t.Fatalf("problems %v, want two", err)
	}
	if ps[0].Key != "suppliers[0].channels[1].ca_file" || !strings.Contains(ps[0].Msg, "no such file") ||
		ps[1].Key != "suppliers[0].channels[2].ca_file" || !strings.Contains(ps[1].Msg, "not both") {
		t.Errorf("problems %v", ps)
	}
	m, err := app.NewMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := m.Transport.(*email.SMTP); !ok || s.CAFile != ca.File {
		t.Errorf("transport %#v, want SMTP with CAFile %s", m.Transport, ca.File)
	}
}
