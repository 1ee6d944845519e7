package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/tlsca/tlscatest"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	cfg, err := Load("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != ":8080" || cfg.SFTP.Addr != ":2222" || cfg.Log.Level != "info" || cfg.Log.Format != "json" {
		t.Errorf("defaults: %+v", cfg)
	}
	if cfg.Database.URL != "sqlite:"+filepath.Join("supplyhub-data", "supplyhub.db") {
		t.Errorf("database url %q", cfg.Database.URL)
	}
}

func TestEnvOverrides(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "db-url")
	if err := os.WriteFile(secret, []byte("postgres://u:p@db/x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := write(t, "http:\n  addr: \":9000\"\nlog:\n  level: debug\n")
	cfg, err := Load(path, []string{
		"SUPPLYHUB_HTTP_ADDR=127.0.0.1:7000",
		"SUPPLYHUB_DATA_DIR=/srv/sh",
		"SUPPLYHUB_DATABASE_URL_FILE=" + secret,
		"SUPPLYHUB_SFTP_ADDR=",
		"SUPPLYHUB_JOBS_ATTEMPT_TIMEOUT=30s",
		"SUPPLYHUB_LOG_FORMAT=text",
		"OTHER=1",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:7000" || cfg.Log.Level != "debug" || cfg.Log.Format != "text" {
		t.Errorf("env did not override the file: %+v %+v", cfg.HTTP, cfg.Log)
	}
	if cfg.DataDir != "/srv/sh" || cfg.Database.URL != "postgres://u:p@db/x" {
		t.Errorf("data dir %q, database %q", cfg.DataDir, cfg.Database.URL)
	}
	if cfg.SFTP.Addr != "" {
		t.Errorf("empty SUPPLYHUB_SFTP_ADDR must disable the SFTP server, got %q", cfg.SFTP.Addr)
	}
	if cfg.Jobs.AttemptTimeout != 30*time.Second {
		t.Errorf("attempt timeout %s", cfg.Jobs.AttemptTimeout)
	}
}

func TestEveryProblemNamesItsKey(t *testing.T) {
	path := write(t, `
http: {addr: "nope"}
log: {level: loud, format: xml}
bogus: 1
retailers:
  - {code: "a b", name: ""}
  - {code: acme, name: A, email: "not-an-address", time_zone: Mars/Base}
suppliers:
  - code: "31"
    name: Tools
    commission_rate: "120"
    channels: [{type: file}, {type: file}, {type: fax}]
    cancel_requests: {answer_within: -1h}
cancel_requests: {answer_within: 0s}
`)
	_, err := Load(path, []string{"SUPPLYHUB_JOBS_MAX_WORKERS=many"}, func(_ *Config, typ string, _ []byte) (bool, []Problem) {
		return typ == "file", nil
	})
	ps, ok := err.(Problems)
	if !ok {
		t.Fatalf("err %v (%T), want Problems", err, err)
	}
	got := map[string]bool{}
	for _, p := range ps {
		got[p.Key] = true
	}
	for _, key := range []string{"bogus", "http.addr", "log.level", "log.format", "jobs.max_workers",
		"retailers[0].code", "retailers[0].name", "retailers[1].email", "retailers[1].time_zone",
		"suppliers[0].commission_rate", "suppliers[0].channels[1].name", "suppliers[0].channels[2].type",
		"suppliers[0].cancel_requests.answer_within", "cancel_requests.answer_within"} {
		if !got[key] {
			t.Errorf("no problem reported for %s; got:\n%s", key, ps.Error())
		}
	}
	if !strings.Contains(ps.Error(), "SUPPLYHUB_JOBS_MAX_WORKERS") {
		t.Errorf("the bad variable is not named: %s", ps.Error())
	}
}

func TestEnvNamesCoverContract(t *testing.T) {
	names := strings.Join(EnvNames(), " ")
	for _, v := range []string{"SUPPLYHUB_DATA_DIR", "SUPPLYHUB_DATABASE_URL", "SUPPLYHUB_HTTP_ADDR", "SUPPLYHUB_SFTP_ADDR",
		"SUPPLYHUB_LOG_LEVEL", "SUPPLYHUB_LOG_FORMAT"} {
		if !strings.Contains(names, v+" ") && !strings.HasSuffix(names, v) {
			t.Errorf("%s is not understood", v)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]int{"2.2": 220, "2.2%": 220, "0": 0, "100": 10000, "5": 500, "0.01": 1} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "2.225", "-1", "101"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

// TestCAFiles: mail.smtp.ca_file and mail.inbound.ca_file come from the
// file or the environment and are checked: readable, holding a
// certificate, and only with TLS.
func TestCAFiles(t *testing.T) {
	dir := t.TempDir()
	ca := tlscatest.New(t)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mail := func(smtpTLS, smtpCA, inTLS, inCA string) string {
		return "mail:\n  transport: smtp\n  smtp: {host: mx.example, tls: " + smtpTLS + ", ca_file: \"" + smtpCA + "\"}\n" +
			"  inbound: {addr: \"imap.example:993\", username: hub, tls: " + inTLS + ", ca_file: \"" + inCA + "\"}\n"
	}
	tests := []struct {
		name string
		file string
		env  []string
		want map[string]string // key → part of its message
	}{
		{"valid", mail("starttls", ca.File, "implicit", ca.File), nil, nil},
		{"missing and empty", mail("implicit", filepath.Join(dir, "missing.pem"), "starttls", notPEM), nil,
			map[string]string{"mail.smtp.ca_file": "no such file", "mail.inbound.ca_file": "no PEM certificate"}},
		{"without TLS", mail("none", ca.File, "none", ca.File), nil,
			map[string]string{"mail.smtp.ca_file": "only used with TLS", "mail.inbound.ca_file": "only used with TLS"}},
		{"from the environment", mail("starttls", "", "implicit", ""),
			[]string{"SUPPLYHUB_MAIL_SMTP_CA_FILE=" + ca.File, "SUPPLYHUB_MAIL_INBOUND_CA_FILE=" + notPEM},
			map[string]string{"mail.inbound.ca_file": "no PEM certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(write(t, tt.file), tt.env, nil)
			got := map[string]string{}
			if ps, ok := err.(Problems); ok {
				for _, p := range ps {
					got[p.Key] = p.Msg
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want keys %v", got, tt.want)
			}
			for k, part := range tt.want {
				if !strings.Contains(got[k], part) {
					t.Errorf("%s: %q, want %q", k, got[k], part)
				}
			}
			if tt.env != nil && cfg.Mail.SMTP.CAFile != ca.File {
				t.Errorf("SUPPLYHUB_MAIL_SMTP_CA_FILE gave %q", cfg.Mail.SMTP.CAFile)
			}
		})
	}
}
