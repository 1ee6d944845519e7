package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Client defaults.
const (
	DefaultTimeout          = 15 * time.Second
	DefaultMaxResponseBytes = 1 << 10
	DefaultUserAgent        = "Supplyhub-Webhooks/1"
)

// Options configure a Client; zero fields take the defaults.
type Options struct {
	Allow            []netip.Prefix // internal ranges webhooks may reach anyway (tests, on-prem receivers)
	Timeout          time.Duration  // per attempt, when the endpoint sets none; default 15 s
	MaxResponseBytes int            // response excerpt kept in Result; default 1 KiB
	Logger           *slog.Logger   // default discards
	UserAgent        string         // default "Supplyhub-Webhooks/1"

	now func() time.Time // signing clock, replaced in tests
}

// Client sends single webhook attempts. It is safe for concurrent use.
type Client struct {
	http      *retryablehttp.Client
	transport *http.Transport
	guard     Guard
	timeout   time.Duration
	maxResp   int
	userAgent string
	log       *slog.Logger
	now       func() time.Time
}

// NewClient builds a Client with its own SSRF-guarded connection pool.
func NewClient(opts Options) *Client {
	c := &Client{
		guard:     NewGuard(opts.Allow),
		timeout:   opts.Timeout,
		maxResp:   opts.MaxResponseBytes,
		userAgent: opts.UserAgent,
		log:       opts.Logger,
		now:       opts.now,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxResp <= 0 {
		c.maxResp = DefaultMaxResponseBytes
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}

	c.transport = newTransport(c.guard)
	hc := &http.Client{
		// keepIdle hides CloseIdleConnections: retryablehttp calls it after
		// every failed attempt, which would drop the warm connections to
		// every healthy receiver whenever one receiver is down.
		Transport: keepIdle{c.transport},
		// A redirect is a failed attempt: following it would let a receiver
		// point us past the URL that was validated and signed for.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	rc := retryablehttp.NewClient()
	rc.HTTPClient = hc
	rc.Logger = leveledLogger{c.log}
	// One attempt per Send: durable retries are queue jobs that survive a
	// restart, are visible to operators and follow the channel retry schedule (pipeline.RetrySchedule). Retrying in
	// here too would multiply attempts and hold a worker for the backoff.
	rc.RetryMax = 0
	// Never "retry" (and so never turn a 5xx into an error without its
	// response): Send classifies responses itself.
	rc.CheckRetry = func(context.Context, *http.Response, error) (bool, error) { return false, nil }
	// Hand back the transport's own error instead of "giving up after 1
	// attempt(s)".
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	c.http = rc
	return c
}

// Close releases idle connections; the Client stays usable.
func (c *Client) Close() {
	c.transport.CloseIdleConnections()
}

// Send makes one signed delivery attempt and reports its outcome. It never
// retries or sleeps; see pipeline.RetryDelay and Result.RetryAfter for what comes next.
func (c *Client) Send(ctx context.Context, ep Endpoint, msg Message) Result {
	start := time.Now()
	res := c.send(ctx, ep, msg)
	res.Duration = time.Since(start)
	c.logResult(ctx, ep, msg, res)
	return res
}

func (c *Client) send(ctx context.Context, ep Endpoint, msg Message) Result {
	target := redact(ep.URL)
	fail := func(err error) Result {
		return Result{Outcome: OutcomeFailed, Err: fmt.Errorf("webhook send to %s: %w", target, err)}
	}
	if msg.ID == "" {
		return fail(errors.New("message has no ID"))
	}
	// Literal internal IPs and bad schemes are refused before any I/O;
	// host names are vetted by the dialer's guard after resolution.
	if err := ValidateURL(ep.URL, c.guard); err != nil {
		return fail(err)
	}
	// Signed with the attempt's time, not the event's: receivers reject
	// timestamps older than a few minutes, and retries run for a day. The
	// unchanged webhook-id is what lets them deduplicate.
	now := c.now()
	sig, err := Sign(ep.Secrets, msg.ID, now, msg.Body)
	if err != nil {
		return fail(err)
	}

	timeout := ep.Timeout
	if timeout <= 0 {
		timeout = c.timeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := retryablehttp.NewRequestWithContext(actx, http.MethodPost, ep.URL, msg.Body)
	if err != nil {
		return fail(fmt.Errorf("build request: %w", unwrapURLError(err)))
	}
	for k, v := range ep.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set(HeaderID, msg.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)

	resp, err := c.http.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			// Make the timeout recognisable whatever layer noticed it.
			if !errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
			}
			return fail(fmt.Errorf("no response within %s: %w", timeout, err))
		}
		return fail(err)
	}
	// Reading the body stays under actx, so a receiver that trickles its
	// body cannot hold the worker past the timeout.
	body, readErr := readBody(resp.Body, c.maxResp)

	res := Result{StatusCode: resp.StatusCode, Response: excerpt(body, c.maxResp)}
	res.Outcome, res.RetryAfter = classify(resp.StatusCode, resp.Header, c.now())
	if res.Outcome != OutcomeOK {
		detail := ""
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			detail = " (redirect not followed)"
			if loc := resp.Header.Get("Location"); loc != "" {
				detail = fmt.Sprintf(" (redirect to %s not followed)", redact(loc))
			}
		}
		res.Err = fmt.Errorf("webhook send to %s: %w %d%s", target, ErrUnexpectedStatus, resp.StatusCode, detail)
	}
	if readErr != nil {
		// The status line already tells the outcome; a broken body only
		// shortens the excerpt.
		c.log.DebugContext(ctx, "webhook response body", "url", target, "error", readErr)
	}
	return res
}

// readBody keeps the first limit bytes, drains a bounded amount more so the
// connection can be reused, and always closes the body.
func readBody(body io.ReadCloser, limit int) ([]byte, error) {
	defer body.Close()
	var buf bytes.Buffer
	_, err := io.CopyN(&buf, body, int64(limit))
	if err == io.EOF {
		return buf.Bytes(), nil
	}
	if err != nil {
		return buf.Bytes(), fmt.Errorf("read response: %w", err)
	}
	if _, err := io.CopyN(io.Discard, body, drainLimit); err != nil && err != io.EOF {
		return buf.Bytes(), fmt.Errorf("drain response: %w", err)
	}
	return buf.Bytes(), nil
}

func (c *Client) logResult(ctx context.Context, ep Endpoint, msg Message, res Result) {
	level := slog.LevelDebug
	if errors.Is(res.Err, ErrForbiddenAddress) {
		level = slog.LevelWarn // a security event, not just a flaky receiver
	}
	if !c.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("url", redact(ep.URL)),
		slog.String("id", msg.ID),
		slog.String("type", msg.Type),
		slog.String("outcome", string(res.Outcome)),
		slog.Int("status", res.StatusCode),
		slog.Duration("duration", res.Duration),
	}
	if res.RetryAfter > 0 {
		attrs = append(attrs, slog.Duration("retry_after", res.RetryAfter))
	}
	if res.Err != nil {
		attrs = append(attrs, slog.String("error", res.Err.Error()))
	}
	c.log.LogAttrs(ctx, level, "webhook attempt", attrs...)
}

// redact drops user info, query and fragment, which often carry tokens,
// before a URL reaches logs or stored errors.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// unwrapURLError strips *url.Error, whose message repeats the full URL
// including any query token; callers re-add a redacted one.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
