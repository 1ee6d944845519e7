package ftp

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const vsftpdPath = "/usr/sbin/vsftpd"

// startVsftpd runs Debian's vsftpd in the given TLS mode ("none",
// "explicit" or "implicit"). Local logins would need a system account and
// PAM, so it serves anonymous FTP instead, made password-checked by
// secure_email_list_enable: only the "email" listed in the test's own file
// is accepted, so a wrong password still earns a real 530. (Debian's
// pure-ftpd, whose virtual users need neither, conflicts with vsftpd and
// has no implicit TLS.)
func startVsftpd(t *testing.T, mode string) *testServer {
	t.Helper()
	if _, err := os.Stat(vsftpdPath); err != nil {
		t.Skipf("%s not installed (apt-get install vsftpd): %v", vsftpdPath, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("vsftpd needs root to chroot and switch users")
	}
	dir := serverDir(t)
	s := &testServer{name: "vsftpd", host: "127.0.0.1", port: freePort(t), user: "anonymous", password: "supplier@example.com"}
	s.root = filepath.Join(dir, "root")
	empty := filepath.Join(dir, "empty")
	for _, d := range []string{s.root, empty} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Anonymous sessions run as the "ftp" account the vsftpd package creates.
	ftpUser, err := user.Lookup("ftp")
	if err != nil {
		t.Fatalf("the vsftpd package should have created the ftp user: %v", err)
	}
	uid, _ := strconv.Atoi(ftpUser.Uid)
	gid, _ := strconv.Atoi(ftpUser.Gid)
	s.upload = uploadDir(t, s.root, uid, gid)
	var cert, key string
	s.caPEM, cert, key = writeCerts(t, dir)
	passwords := filepath.Join(dir, "email_passwords")
	writeFile(t, passwords, s.password+"\n")
	if err := os.Chmod(passwords, 0o644); err != nil {
		t.Fatal(err)
	}
	lo, hi := freePortRange(t, 10)
	s.logFile = filepath.Join(dir, "vsftpd.log")

	conf := []string{
		"listen=YES",
		"listen_ipv6=NO",
		"listen_address=127.0.0.1",
		"listen_port=" + strconv.Itoa(s.port),
		"background=NO",
		"anonymous_enable=YES",
		"local_enable=NO",
		"anon_root=" + s.root,
		"secure_email_list_enable=YES",
		"email_password_file=" + passwords,
		"write_enable=YES",
		"anon_upload_enable=YES",
		"anon_other_write_enable=YES", // rename and delete
		"anon_umask=022",
		// Show dot files in listings, so List's own filter is what hides
		// temporary files.
		"force_dot_files=YES",
		"pasv_enable=YES",
		"pasv_min_port=" + strconv.Itoa(lo),
		"pasv_max_port=" + strconv.Itoa(hi),
		"secure_chroot_dir=" + empty,
		// Containers often forbid the namespaces and seccomp filters
		// vsftpd sets up by default; they add nothing to these tests.
		"seccomp_sandbox=NO",
		"isolate=NO",
		"isolate_network=NO",
		"vsftpd_log_file=" + s.logFile,
		"xferlog_enable=YES",
		"xferlog_std_format=NO",
		"log_ftp_protocol=YES",
		"delay_failed_login=0", // the default second per bad password only slows the test
	}
	if mode != TLSNone {
		conf = append(conf,
			"ssl_enable=YES",
			"allow_anon_ssl=YES",
			"force_anon_logins_ssl=YES",
			"force_anon_data_ssl=YES",
			"rsa_cert_file="+cert,
			"rsa_private_key_file="+key,
			"ssl_ciphers=HIGH",
			// The default, kept explicit: data connections must resume
			// the control connection's TLS session.
			"require_ssl_reuse=YES",
		)
		if mode == TLSImplicit {
			conf = append(conf, "implicit_ssl=YES")
		}
	}
	cfg := filepath.Join(dir, "vsftpd.conf")
	writeFile(t, cfg, strings.Join(conf, "\n")+"\n")
	s.start(t, vsftpdPath, cfg)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(s.logFile)
			t.Logf("vsftpd.log:\n%s", b)
		}
	})
	return s
}
