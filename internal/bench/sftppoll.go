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

// sftpRemovers is how many deletes a poller has in flight at once on its
// one connection. Deleting one file after the other, each a commit in the
// daemon, held the next listing back by the whole batch's deletes (50 files
// found at 500 drops/s, several ms each) and so measured the tool.
const sftpRemovers = 8

// sftpPoller is a supplier that lists its /outbound every interval, records
// each new file as its supplier order's arrival and deletes it, as a
// supplier collecting its orders would. Deletes run in the background,
// sftpRemovers at a time, so they do not delay the next listing; a file
// still being deleted, or deleted while a listing was under way, is not
// counted again by that listing. A file written again after its deletion
// shows up as a second arrival in a later listing: a duplicate.
type sftpPoller struct {
	client   *sftp.Client
	tr       *tracker
	interval time.Duration

	mu     sync.Mutex
	sample []byte // the first file read, for the raw-write baseline
	lists  int    // listings started
	// removing holds the names handed to the removers: removePending
	// until deleted, then the number of listings started by then. A
	// listing started no later than that may still show the name.
	removing map[string]int
	err      error // the first failed delete
}

const removePending = -1

func (p *sftpPoller) run(ctx context.Context) error {
	p.mu.Lock()
	p.removing = map[string]int{}
	p.mu.Unlock()
	toRemove := make(chan string, 1024)
	var removers sync.WaitGroup
	for range sftpRemovers {
		removers.Go(func() {
			for full := range toRemove {
				err := p.client.Remove(full)
				p.mu.Lock()
				p.removing[full] = p.lists
				if err != nil && p.err == nil && ctx.Err() == nil {
					p.err = fmt.Errorf("delete %s: %w", full, err)
				}
				p.mu.Unlock()
			}
		})
	}
	defer removers.Wait()
	defer close(toRemove)
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		if err := p.once(ctx, toRemove); err != nil {
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

func (p *sftpPoller) once(ctx context.Context, toRemove chan<- string) error {
	p.mu.Lock()
	err := p.err
	p.lists++
	list := p.lists
	p.mu.Unlock()
	if err != nil {
		return err
	}
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
		done, known := p.removing[full]
		need := p.sample == nil
		p.mu.Unlock()
		if known && (done == removePending || done >= list) {
			continue // being deleted, or deleted after this listing began
		}
		if need {
			if b, err := p.read(full); err == nil {
				p.mu.Lock()
				p.sample = b
				p.mu.Unlock()
			}
		}
		p.tr.arrived(strings.TrimSuffix(name, path.Ext(name)), now)
		p.mu.Lock()
		p.removing[full] = removePending
		p.mu.Unlock()
		select {
		case toRemove <- full:
		case <-ctx.Done():
			return ctx.Err()
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
