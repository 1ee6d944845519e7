package bench

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// dialSFTP logs in to the built-in SFTP server as a supplier. The host key
// is not checked: the server is the daemon this tool started on loopback.
func dialSFTP(addr, user, password string) (*sftp.Client, func(), error) {
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("sftp login as %s at %s: %w", user, addr, err)
	}
	c, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("sftp session as %s: %w", user, err)
	}
	return c, func() { c.Close(); conn.Close() }, nil
}

// sftpPoller is a supplier that lists its /outbound every interval, records
// each new file as its supplier order's arrival and deletes it, as a
// supplier collecting its orders would. A file written again after its
// deletion shows up as a second arrival: a duplicate.
type sftpPoller struct {
	client   *sftp.Client
	tr       *tracker
	interval time.Duration

	mu     sync.Mutex
	sample []byte // the first file read, for the raw-write baseline
}

func (p *sftpPoller) run(ctx context.Context) error {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		if err := p.once(); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (p *sftpPoller) once() error {
	infos, err := p.client.ReadDir("/outbound")
	if err != nil {
		return fmt.Errorf("list /outbound: %w", err)
	}
	now := time.Now()
	for _, fi := range infos {
		name := fi.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		full := path.Join("/outbound", name)
		p.mu.Lock()
		need := p.sample == nil
		p.mu.Unlock()
		if need {
			if b, err := p.read(full); err == nil {
				p.mu.Lock()
				p.sample = b
				p.mu.Unlock()
			}
		}
		p.tr.arrived(strings.TrimSuffix(name, path.Ext(name)), now)
		if err := p.client.Remove(full); err != nil {
			return fmt.Errorf("delete %s: %w", full, err)
		}
	}
	return nil
}

func (p *sftpPoller) read(name string) ([]byte, error) {
	f, err := p.client.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func (p *sftpPoller) sampleFile() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sample
}
