package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestSecretsNeverLogged runs serve with debug logging through a flow that
// handles every kind of secret (API keys, a webhook signing secret, an SMTP
// password, SFTP passwords right and wrong, a database password, a bad API
// key) and scans everything the processes wrote for any of them.
func TestSecretsNeverLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	storetest.Each(t, func(t *testing.T, kind string) {
		secrets := map[string]string{} // secret → what it is
		dbURL := storetest.URL(t, kind)
		loggedURL := "" // how the database URL must appear in the logs
		if kind == store.KindPostgres {
			// The test server trusts loopback, so any password works;
			// what matters is that the URL carries one.
			u, err := url.Parse(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword(u.User.Username(), "Db-Pa55word-9f3k")
			dbURL = u.String()
			loggedURL = `"database_url":"postgres://` + u.User.Username() + ":xxxxx@" + u.Host + "/"
			secrets["Db-Pa55word-9f3k"] = "database password"
		}
		dataDir := t.TempDir()

		whsec := webhook.NewSecret()
		addSecretForms(secrets, whsec)
		hooks := make(chan struct{}, 16)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusNoContent)
			select {
			case hooks <- struct{}{}:
			default:
			}
		}))
		t.Cleanup(rcv.Close)

		const smtpUser, smtpPass = "mailer", "Smtp-Pa55word-x81q"
		secrets[smtpPass] = "SMTP password"
		mail, caFile := startSMTP(t, smtpUser, smtpPass)

		sftpAddr := freeAddr(t)
		cfg := `data_dir: ` + dataDir + `
log: {level: debug, format: json}
webhooks: {allow_private: ["127.0.0.1/32"]}
mail:
  transport: smtp
  smtp: {host: 127.0.0.1, port: ` + strconv.Itoa(mail.port) + `, tls: starttls, username: ` + smtpUser + `}
retailers:
  - {code: acme, name: Acme}
suppliers:
  - {code: "31", name: Tools, channels: [{type: webhook, url: "` + rcv.URL + `/hooks", secret: "` + whsec + `"}, {type: sftp, hosted: true}]}
  - {code: "40", name: Paint, commission_rate: "5", channels: [{type: email, to: ["orders@paint.example"]}]}
`
		cfgPath := filepath.Join(dataDir, "supplyhub.yaml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		env := []string{"SUPPLYHUB_MAIL_SMTP_PASSWORD=" + smtpPass, "SSL_CERT_FILE=" + caFile, "SUPPLYHUB_SFTP_ADDR=" + sftpAddr}
		var cliLogs bytes.Buffer
		run := func(args ...string) string {
			t.Helper()
			cmd := command(t, cfgPath, dbURL, env, args...)
			var stdout bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &cliLogs
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, cliLogs.String())
			}
			return strings.TrimSpace(stdout.String())
		}

		p := startServe(t, cfgPath, dbURL, env...)
		retailerKey := run("key", "create", "--retailer", "acme")
		supplierKey := run("key", "create", "--supplier", "31")
		adminKey := run("key", "create", "--admin")
		sftpPass := run("sftp", "password", "--supplier", "31", "--generate")
		for s, what := range map[string]string{retailerKey: "retailer key", supplierKey: "supplier key", adminKey: "admin key", sftpPass: "SFTP password"} {
			secrets[s] = what
		}
		badKey := "sh_r_" + strings.Repeat("q7", 26)
		wrongSFTP := "Wrong-Sftp-Pa55-z0"
		secrets[badKey], secrets[wrongSFTP] = "unknown API key sent", "wrong SFTP password tried"

		// An order for both suppliers: a signed webhook to 31, a
		// mail through SMTP with AUTH to 40, a file in 31's SFTP folder.
		number, ok := post(p.url, retailerKey, "SECRETS-1")
		if !ok {
			t.Fatalf("post order failed; logs:\n%s", p.logs.String())
		}
		select {
		case <-hooks:
		case <-time.After(20 * time.Second):
			t.Fatal("no webhook within 20s")
		}
		deadline := time.Now().Add(20 * time.Second)
		for mail.count() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no mail through SMTP within 20s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, c := range []struct {
			path, key string
			want      int
		}{
			{"/api/v1/supplier/orders", supplierKey, 200},
			{"/api/v1/orders/" + number, retailerKey, 200},
			{"/api/v1/admin/deliveries", adminKey, 200},
			{"/api/v1/orders", badKey, 401},
			{"/api/v1/orders", supplierKey, 403},
		} {
			req, _ := http.NewRequest("GET", p.url+c.path, nil)
			req.Header.Set("Authorization", "Bearer "+c.key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("GET %s: %d, want %d", c.path, resp.StatusCode, c.want)
			}
		}
		if err := sftpLogin(sftpAddr, "31", ssh.Password(wrongSFTP)); err == nil {
			t.Error("SFTP login with a wrong password succeeded")
		}
		if err := sftpLogin(sftpAddr, "31", ssh.Password(sftpPass)); err != nil {
			t.Errorf("SFTP login: %v", err)
		}
		p.stop(t)

		logs := p.logs.String() + cliLogs.String()
		// The scan is worth something only if the flow was logged.
		for _, want := range []string{`"level":"DEBUG"`, "webhook attempt", "sftp login failed", `"msg":"sftp login"`} {
			if !strings.Contains(logs, want) {
				t.Errorf("logs lack %q: the flow did not run as planned", want)
			}
		}
		if loggedURL != "" && !strings.Contains(logs, loggedURL) {
			t.Error("the database URL is not logged, redacted, at start")
		}
		for s, what := range secrets {
			if i := strings.Index(logs, s); i >= 0 {
				t.Errorf("the %s is in the logs: …%s…", what, logs[max(0, i-200):min(len(logs), i+len(s)+50)])
			}
		}
	})
}

// TestDatabasePasswordNotPrinted: serve fails to reach a database whose URL
// carries a password; the error it prints must not carry the password.
func TestDatabasePasswordNotPrinted(t *testing.T) {
	dataDir := t.TempDir()
	cfgPath := testConfig(t, dataDir)
	const pass = "Db-Pa55word-unreachable"
	dbURL := "postgres://supplyhub:" + pass + "@" + freeAddr(t) + "/supplyhub?sslmode=disable&connect_timeout=2"
	for _, args := range [][]string{{"serve"}, {"key", "create", "--retailer", "acme"}} {
		cmd := command(t, cfgPath, dbURL, []string{"SUPPLYHUB_LOG_LEVEL=debug"}, args...)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("%v succeeded without a database:\n%s", args, out)
		}
		if !strings.Contains(string(out), "127.0.0.1") {
			t.Errorf("%v: the error does not say which database failed:\n%s", args, out)
		}
		if strings.Contains(string(out), pass) {
			t.Errorf("%v printed the database password:\n%s", args, out)
		}
	}
}

// addSecretForms adds a whsec_ secret and every usual encoding of its key
// bytes.
func addSecretForms(secrets map[string]string, whsec string) {
	secrets[whsec] = "webhook secret"
	b64 := strings.TrimPrefix(whsec, "whsec_")
	secrets[b64] = "webhook secret (base64)"
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		panic(err)
	}
	secrets[hex.EncodeToString(key)] = "webhook key (hex)"
	secrets[base64.RawStdEncoding.EncodeToString(key)] = "webhook key (unpadded base64)"
	secrets[base64.RawURLEncoding.EncodeToString(key)] = "webhook key (base64url)"
}

// sftpLogin logs in to the built-in SFTP server at addr as user with auth
// and lists /outbound.
func sftpLogin(addr, user string, auth ssh.AuthMethod) error {
	cfg := &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{auth},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // the test's own server; the credential is what is tested
		Timeout:         10 * time.Second}
	conn, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	c, err := sftp.NewClient(conn)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.ReadDir("/outbound")
	return err
}

// smtpSink is an in-process SMTP server that offers STARTTLS and
// requires AUTH PLAIN.
type smtpSink struct {
	port int
	mu   sync.Mutex
	n    int
	user string
	pass string
}

func (s *smtpSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{sink: s}, nil }

type smtpSession struct {
	sink   *smtpSink
	authed bool
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.sink.user || pass != s.sink.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (s *smtpSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.sink.mu.Lock()
	s.sink.n++
	s.sink.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

// startSMTP runs the sink on 127.0.0.1 with a self-signed certificate and
// returns it with the path of that certificate, for SSL_CERT_FILE.
func startSMTP(t *testing.T, user, pass string) (*smtpSink, string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &smtpSink{user: user, pass: pass}
	srv := smtp.NewServer(sink)
	srv.Domain = "mx.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: priv}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink.port = l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() { srv.Close(); l.Close(); <-done })
	return sink, caFile
}
