package ftp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// noOverwriteServer is a minimal in-process FTP server whose RNTO refuses
// an existing target, as some Windows servers do. vsftpd always replaces,
// so this is the only way to drive the delete-then-rename path of Put and
// Move; it speaks just the commands the client sends and records them.
// With sizeLies set, SIZE answers 0, so a download's limit is only caught
// while reading, which vsftpd's truthful SIZE never lets happen.
type noOverwriteServer struct {
	ln       net.Listener
	mu       sync.Mutex
	files    map[string][]byte
	log      []string
	sizeLies bool
}

func startNoOverwriteServer(t *testing.T) *noOverwriteServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &noOverwriteServer{ln: ln, files: map[string][]byte{}}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { s.serve(c) })
		}
	})
	return s
}

func (s *noOverwriteServer) settings() Settings {
	a := s.ln.Addr().(*net.TCPAddr)
	return Settings{Host: "127.0.0.1", Port: a.Port, User: "u", Password: "p", TLS: TLSNone}
}

// commands returns the commands received so far.
func (s *noOverwriteServer) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *noOverwriteServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	reply := func(format string, args ...any) { fmt.Fprintf(c, format+"\r\n", args...) }
	reply("220 fake")
	var data net.Listener
	var from string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		s.mu.Lock()
		s.log = append(s.log, strings.TrimSpace(cmd+" "+arg))
		_, exists := s.files[arg]
		s.mu.Unlock()
		switch cmd {
		case "USER":
			reply("331 password")
		case "PASS":
			reply("230 in")
		case "TYPE":
			reply("200 ok")
		case "EPSV":
			if data, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				reply("425 %v", err)
				continue
			}
			reply("229 Entering Extended Passive Mode (|||%d|)", data.Addr().(*net.TCPAddr).Port)
		case "STOR":
			reply("150 send it")
			dc, err := data.Accept()
			data.Close()
			if err != nil {
				reply("425 %v", err)
				continue
			}
			b, _ := io.ReadAll(dc)
			dc.Close()
			s.mu.Lock()
			s.files[arg] = b
			s.mu.Unlock()
			reply("226 stored")
		case "SIZE":
			s.mu.Lock()
			n, lies := len(s.files[arg]), s.sizeLies
			s.mu.Unlock()
			switch {
			case !exists:
				reply("550 no such file")
			case lies:
				reply("213 0")
			default:
				reply("213 %d", n)
			}
		case "RETR":
			if !exists {
				reply("550 no such file")
				continue
			}
			reply("150 here it comes")
			dc, err := data.Accept()
			data.Close()
			if err != nil {
				reply("425 %v", err)
				continue
			}
			s.mu.Lock()
			b := s.files[arg]
			s.mu.Unlock()
			if _, err := dc.Write(b); err != nil {
				dc.Close()
				reply("426 transfer aborted")
				continue
			}
			dc.Close()
			reply("226 sent")
		case "RNFR":
			if !exists {
				reply("550 no such file")
				continue
			}
			from = arg
			reply("350 ready")
		case "RNTO":
			if exists {
				reply("553 Rename failed: target exists")
				continue
			}
			s.mu.Lock()
			s.files[arg] = s.files[from]
			delete(s.files, from)
			s.mu.Unlock()
			reply("250 renamed")
		case "DELE":
			if !exists {
				reply("550 no such file")
				continue
			}
			s.mu.Lock()
			delete(s.files, arg)
			s.mu.Unlock()
			reply("250 deleted")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

func TestPutDeletesTargetWhenRenameRefusesOverwrite(t *testing.T) {
	srv := startNoOverwriteServer(t)
	s := dial(t, srv.settings())
	for _, v := range []string{"one", "two"} {
		if err := s.Put(context.Background(), "a.csv", []byte(v)); err != nil {
			t.Fatalf("Put %q: %v", v, err)
		}
	}
	srv.mu.Lock()
	n, got := len(srv.files), string(srv.files["a.csv"])
	srv.mu.Unlock()
	if n != 1 || got != "two" {
		t.Fatalf("server holds %d files, a.csv = %q; want only a.csv = \"two\"", n, got)
	}
	var seq []string
	for _, c := range srv.commands() {
		if verb, _, _ := strings.Cut(c, " "); verb == "RNTO" || verb == "DELE" {
			seq = append(seq, c)
		}
	}
	// First Put: plain rename. Second: refused, delete, rename again.
	want := "RNTO a.csv,RNTO a.csv,DELE a.csv,RNTO a.csv"
	if got := strings.Join(seq, ","); got != want {
		t.Fatalf("rename sequence %s, want %s", got, want)
	}
}
