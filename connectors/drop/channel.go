package drop

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supplyhub/supplyhub/pipeline"
)

// Uploader puts whole files, atomically (temp name, then rename).
type Uploader interface {
	Put(ctx context.Context, name string, data []byte) error
	Close() error
}

// ConcurrentUploader is an Uploader whose Put may run from several
// goroutines at once, such as the built-in server's folders, which hold no
// connection. A drop channel then does not queue a session's uploads one
// behind the other, and the uploader can group them (one commit for many
// files). Close is still only called when no Put is running.
type ConcurrentUploader interface {
	Uploader
	// ConcurrentPut marks the uploader; it is never called.
	ConcurrentPut()
}

// TempCleaner is an Uploader that remembers the temporary files a failed
// upload could not remove (its connection was cut mid-file) and can remove
// such files through a later session. The drop channel keeps the list per
// endpoint in memory: a stray hidden .tmp file is harmless to pickups, so
// losing the list with a restart costs nothing but tidiness.
type TempCleaner interface {
	// LeftTemps returns, and forgets, the files left behind.
	LeftTemps() []string
	// RemoveTemps deletes them; one already gone is not an error.
	RemoveTemps(ctx context.Context, paths []string) error
}

// TempList is the list of temporary files a session's failed uploads
// could not remove; a session embeds it to have TempCleaner's LeftTemps.
type TempList struct {
	mu   sync.Mutex
	left []string
}

// Leave records a temporary file left behind.
func (l *TempList) Leave(path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.left = append(l.left, path)
}

// LeftTemps returns, and forgets, the files left behind.
func (l *TempList) LeftTemps() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	left := l.left
	l.left = nil
	return left
}

// maxLeftTemps bounds the temporary files remembered per endpoint.
const maxLeftTemps = 100

// Dialer opens an uploader for one delivery's endpoint. key identifies
// the endpoint (same key, same reusable session).
type Dialer interface {
	Dial(ctx context.Context, req *pipeline.DeliveryRequest) (Uploader, error)
	Key(req *pipeline.DeliveryRequest) string
	Validate(settings []byte) []pipeline.SettingsProblem
	IsPermanent(err error) bool
}

// Channel delivers supplier orders as files through a Dialer.
type Channel struct {
	kind   string
	dialer Dialer
	idle   time.Duration

	mu       sync.Mutex
	sessions map[string]*session
	// left are temporary files failed uploads left on each endpoint (by
	// key), removed after its next successful upload.
	left map[string][]string
}

type session struct {
	// mu is held for writing by an upload on a session that takes one at
	// a time, for reading by an upload on a ConcurrentUploader, and for
	// writing while the session is closed for idleness.
	mu   sync.RWMutex
	up   Uploader
	used atomic.Int64 // unix nanoseconds of the last upload's end
}

// NewChannel builds a drop channel; sessions idle longer than idle are
// closed.
func NewChannel(kind string, d Dialer, idle time.Duration) *Channel {
	return &Channel{kind: kind, dialer: d, idle: idle, sessions: map[string]*session{}, left: map[string][]string{}}
}

// Validate checks the uploader's settings and the format.
func (c *Channel) Validate(raw []byte) []pipeline.SettingsProblem {
	return append(c.dialer.Validate(raw), ValidateFormat(raw)...)
}

// Deliver renders and uploads one file.
func (c *Channel) Deliver(ctx context.Context, req *pipeline.DeliveryRequest) (pipeline.Result, error) {
	name, data, err := Render(req)
	if err != nil {
		return pipeline.Result{Permanent: true}, fmt.Errorf("%s drop %s: %w", c.kind, req.SupplierOrder.Number, err)
	}
	key := c.dialer.Key(req)
	s, err := c.session(ctx, key, req)
	if err != nil {
		return pipeline.Result{Permanent: c.dialer.IsPermanent(err)}, fmt.Errorf("%s drop %s: %w", c.kind, req.SupplierOrder.Number, err)
	}
	if _, ok := s.up.(ConcurrentUploader); ok {
		s.mu.RLock()
		err = s.up.Put(ctx, name, data)
		s.used.Store(time.Now().UnixNano())
		s.mu.RUnlock()
	} else {
		s.mu.Lock()
		err = s.up.Put(ctx, name, data)
		s.used.Store(time.Now().UnixNano())
		s.mu.Unlock()
	}
	if err != nil {
		c.remember(key, s.up)
		c.drop(key, s)
		return pipeline.Result{Permanent: c.dialer.IsPermanent(err)}, fmt.Errorf("%s drop %s: %w", c.kind, req.SupplierOrder.Number, err)
	}
	res := pipeline.Result{Response: fmt.Sprintf("uploaded %s (%d bytes)", name, len(data))}
	res.Response += c.cleanUp(ctx, key, s)
	return res, nil
}

// remember keeps the temporary files a failed upload on up left behind.
func (c *Channel) remember(key string, up Uploader) {
	tc, ok := up.(TempCleaner)
	if !ok {
		return
	}
	left := tc.LeftTemps()
	if len(left) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	all := append(c.left[key], left...)
	if len(all) > maxLeftTemps {
		all = all[len(all)-maxLeftTemps:]
	}
	c.left[key] = all
}

// cleanUp removes, through session s that just uploaded, the temporary
// files earlier failed uploads left on its endpoint, and says so for the
// attempt's record. It is tried once: a file it cannot remove stays (the
// reason is in the record).
func (c *Channel) cleanUp(ctx context.Context, key string, s *session) string {
	tc, ok := s.up.(TempCleaner)
	if !ok {
		return ""
	}
	c.mu.Lock()
	left := c.left[key]
	delete(c.left, key)
	c.mu.Unlock()
	if len(left) == 0 {
		return ""
	}
	s.mu.Lock()
	err := tc.RemoveTemps(ctx, left)
	s.mu.Unlock()
	if err != nil {
		return fmt.Sprintf("; could not remove %d temporary file(s) left by an earlier cut upload: %v", len(left), err)
	}
	return fmt.Sprintf("; removed %d temporary file(s) left by an earlier cut upload", len(left))
}

// session returns the open session for key, dialling when there is none.
func (c *Channel) session(ctx context.Context, key string, req *pipeline.DeliveryRequest) (*session, error) {
	c.mu.Lock()
	c.closeIdleLocked()
	s, ok := c.sessions[key]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	up, err := c.dialer.Dial(ctx, req)
	if err != nil {
		return nil, err
	}
	s = &session{up: up}
	s.used.Store(time.Now().UnixNano())
	c.mu.Lock()
	if other, ok := c.sessions[key]; ok {
		// Another job dialled meanwhile: keep one connection.
		c.mu.Unlock()
		_ = up.Close()
		return other, nil
	}
	c.sessions[key] = s
	c.mu.Unlock()
	return s, nil
}

func (c *Channel) drop(key string, s *session) {
	c.mu.Lock()
	if c.sessions[key] == s {
		delete(c.sessions, key)
	}
	c.mu.Unlock()
	if _, ok := s.up.(ConcurrentUploader); ok {
		// Others may be uploading on it: close once they are done.
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	_ = s.up.Close()
}

func (c *Channel) closeIdleLocked() {
	for k, s := range c.sessions {
		if s.mu.TryLock() {
			if time.Since(time.Unix(0, s.used.Load())) > c.idle {
				delete(c.sessions, k)
				_ = s.up.Close()
			}
			s.mu.Unlock()
		}
	}
}

// Close closes every open session.
func (c *Channel) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.sessions {
		_ = s.up.Close()
		delete(c.sessions, k)
	}
}

// OpenSessions lists the keys of the sessions kept open (for tests and
// debugging).
func (c *Channel) OpenSessions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.sessions))
	for k := range c.sessions {
		keys = append(keys, k)
	}
	return keys
}
