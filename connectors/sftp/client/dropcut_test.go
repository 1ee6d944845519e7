package client

import (
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/connectors/drop/droptest"
)

// cutProxy forwards TCP connections to target and, while cut > 0, closes
// a connection once that many bytes went from the client to the server:
// a network drop in the middle of an upload.
type cutProxy struct {
	ln     net.Listener
	target string
	cut    atomic.Int64
	cuts   atomic.Int64
	wg     sync.WaitGroup
}

func startCutProxy(t *testing.T, target string, cut int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	p.cut.Store(cut)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() { defer p.wg.Done(); p.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *cutProxy) serve(c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer s.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(c, s); done <- struct{}{} }()
	go func() {
		if n := p.cut.Load(); n > 0 {
			_, _ = io.CopyN(s, c, n)
			p.cuts.Add(1)
		} else {
			_, _ = io.Copy(s, c)
		}
		done <- struct{}{}
	}()
	<-done // either side ending (or the cut) ends both
}

func (p *cutProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// TestDropSurvivesConnectionCutMidFile: the connection to a real OpenSSH
// server is cut while a large file is being uploaded. The attempt fails as
// temporary, the file never appears under its final name half written,
// and the retry (a new session) lands the whole file, byte for byte what
// a clean render gives, and removes the cut upload's temporary file.
func TestDropSurvivesConnectionCutMidFile(t *testing.T) {
	d := startSSHD(t)
	const cutAt = 96 << 10 // bytes client to server: past login, inside the file
	p := startCutProxy(t, net.JoinHostPort(d.host, d.port), cutAt)
	st := d.settings()
	st.Port, st.Dir = p.port(), "outbound"
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	ch := drop.NewChannel("sftp", Dialer(), time.Minute)
	defer ch.Close()

	req, name, want := droptest.BigOrder(t, "sftp", raw, "77", "CUT-1", cutAt)
	outbound := filepath.Join(d.chroot, "outbound")
	recover, reads := droptest.CutAndRetry(t, ch, req, outbound, name, want, cutAt, "connection", p.cuts.Load, func() {
		p.cut.Store(0) // the network is back
	})
	// The cut upload's temporary file could not be removed by the
	// connection that was cut; the retry's session removes it.
	stray := droptest.Strays(t, outbound, name)
	if len(stray) > 0 {
		t.Errorf("temporary files left after the retry: %v", stray)
	}
	t.Logf("FAULT sftp-cut-mid-file sent=1 stored=1 delivered=1 duplicates=0 recover=%s (file %d bytes, cut after %d, %d reads during upload, stray temp files %v)",
		recover.Round(time.Millisecond), len(want), cutAt, reads, stray)
}
