package config

import (
	"testing"
	"time"
)

// TestSFTPGuardKeys: the built-in SFTP server's handshake and login limits
// load from the file and the environment, and bad values name their key.
func TestSFTPGuardKeys(t *testing.T) {
	path := write(t, `
sftp: {handshake_timeout: 20s, max_unauthenticated: 50, login_ban: 10m}
`)
	cfg, err := Load(path, []string{"SUPPLYHUB_SFTP_MAX_UNAUTHENTICATED_PER_IP=4", "SUPPLYHUB_SFTP_LOGIN_FAILURES=7"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.SFTP
	if got.HandshakeTimeout != 20*time.Second || got.MaxUnauthenticated != 50 || got.MaxUnauthenticatedPerIP != 4 ||
		got.LoginFailures != 7 || got.LoginBan != 10*time.Minute {
		t.Errorf("loaded %+v", got)
	}

	path = write(t, `
sftp: {handshake_timeout: 500ms, max_unauthenticated: 5, max_unauthenticated_per_ip: 6, login_failures: 0, login_ban: 0s}
`)
	_, err = Load(path, nil, nil)
	ps, ok := err.(Problems)
	if !ok {
		t.Fatalf("err %v (%T), want Problems", err, err)
	}
	keys := map[string]bool{}
	for _, p := range ps {
		keys[p.Key] = true
	}
	for _, k := range []string{"sftp.handshake_timeout", "sftp.max_unauthenticated_per_ip", "sftp.login_failures", "sftp.login_ban"} {
		if !keys[k] {
			t.Errorf("no problem for %s; got:\n%s", k, ps.Error())
		}
	}
	if keys["sftp.max_unauthenticated"] {
		t.Errorf("5 is a valid sftp.max_unauthenticated; got:\n%s", ps.Error())
	}
}
