// Package config loads Supplyhub's configuration: one YAML file, then
// SUPPLYHUB_* environment variables, then validation that reports every
// problem with the key it concerns.
//
// Every scalar key has an environment variable named after its path:
// http.addr is SUPPLYHUB_HTTP_ADDR, database.url is SUPPLYHUB_DATABASE_URL.
// Any of them may instead be given as NAME_FILE, the path of a file holding
// the value (for secrets). Lists (retailers, suppliers) come from the file.
package config

import (
	"encoding/json"
	"time"
)

// Config is the whole configuration.
type Config struct {
	DataDir   string    `yaml:"data_dir"`
	Database  Database  `yaml:"database"`
	HTTP      HTTP      `yaml:"http"`
	SFTP      SFTP      `yaml:"sftp"`
	Log       Log       `yaml:"log"`
	Jobs      Jobs      `yaml:"jobs"`
	Numbering Numbering `yaml:"numbering"`
	Ingest    Ingest    `yaml:"ingest"`
	Demo      Demo      `yaml:"demo"`
	Webhooks  Webhooks  `yaml:"webhooks"`
	Mail      Mail      `yaml:"mail"`
	Summary   Summary   `yaml:"summary"`
	Overdue   Overdue   `yaml:"overdue"`
	// CancelRequests is the default for every supplier's cancellation
	// requests; a supplier's own cancel_requests overrides it.
	CancelRequests CancelRequests `yaml:"cancel_requests"`
	Portal         Portal         `yaml:"portal"`
	Retailers      []Retailer     `yaml:"retailers"`
	Suppliers      []Supplier     `yaml:"suppliers"`
}

// Database selects the store.
type Database struct {
	// URL is sqlite:PATH or postgres://…; empty means
	// sqlite:$DATA_DIR/supplyhub.db.
	URL         string `yaml:"url"`
	AutoMigrate bool   `yaml:"auto_migrate"`
}

// HTTP is the API, portal, health and metrics listener.
type HTTP struct {
	Addr            string        `yaml:"addr"`
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// RateLimit is requests per second per API key on each replica (0
	// turns limiting off); RateBurst is how many may come at once.
	RateLimit float64 `yaml:"rate_limit"`
	RateBurst int     `yaml:"rate_burst"`
	// OpsAddr, when set, is a second listener for /healthz, /readyz and
	// /metrics; /metrics then leaves the main listener.
	OpsAddr string `yaml:"ops_addr"`
	// MetricsAllow, when not empty, limits /metrics to clients in these
	// CIDR prefixes (by TCP peer address).
	MetricsAllow []string `yaml:"metrics_allow"`
	// Pprof serves Go's profiler under /debug/pprof/ on the operations
	// listener (OpsAddr, which it requires); off by default because a
	// profile exposes internals and costs CPU.
	Pprof bool `yaml:"pprof"`
}

// SFTP is the built-in SFTP server; an empty Addr disables it.
type SFTP struct {
	Addr string `yaml:"addr"`
	// HostKey is a host key file to use; empty keeps the key in the
	// database, generated on first start and shared by every replica.
	HostKey     string        `yaml:"host_key"`
	MaxSessions int           `yaml:"max_sessions"`
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxFileSize caps one uploaded file, in bytes.
	MaxFileSize int64 `yaml:"max_file_size"`
	// HandshakeTimeout bounds handshake and login from accept, absolute.
	HandshakeTimeout time.Duration `yaml:"handshake_timeout"`
	// MaxUnauthenticated caps connections not yet logged in, overall and
	// per remote address; they do not count against MaxSessions.
	MaxUnauthenticated      int `yaml:"max_unauthenticated"`
	MaxUnauthenticatedPerIP int `yaml:"max_unauthenticated_per_ip"`
	// LoginFailures failed logins from one address within a minute block
	// it for LoginBan (in memory, per replica).
	LoginFailures int           `yaml:"login_failures"`
	LoginBan      time.Duration `yaml:"login_ban"`
}

// Log configures slog.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Jobs tunes the job runner.
type Jobs struct {
	MaxWorkers int `yaml:"max_workers"`
	// AttemptTimeout bounds one delivery attempt.
	AttemptTimeout time.Duration `yaml:"attempt_timeout"`
	// RescueAfter is when a job still marked running (its replica died)
	// is run again; it must exceed AttemptTimeout.
	RescueAfter time.Duration `yaml:"rescue_after"`
	// FetchCooldown is the shortest time between two fetches of jobs by
	// one replica: a job committed sooner after the last fetch waits for
	// it to pass. Longer trades latency for fewer fetches in bursts.
	FetchCooldown time.Duration `yaml:"fetch_cooldown"`
	// ReplicaName names this replica on PostgreSQL (default: the host
	// name). A replica restarted under the same name takes back the jobs
	// its previous process left running at once.
	ReplicaName string `yaml:"replica_name"`
}

// Numbering shapes supplier order numbers; {order} and {supplier} are
// replaced by the order number and the supplier code.
type Numbering struct {
	SupplierOrder string `yaml:"supplier_order"`
}

// Ingest tunes order intake.
type Ingest struct {
	// BatchSize caps how many concurrent orders share one commit.
	BatchSize int `yaml:"batch_size"`
}

// Demo makes a first start usable without any setup.
type Demo struct {
	// WriteKeys creates an API key for every configured retailer and
	// supplier that has none and writes it under $DATA_DIR/demo-keys/.
	WriteKeys bool `yaml:"write_keys"`
}

// Portal configures the web portal's sessions and links.
type Portal struct {
	// IdleTimeout ends a session unused this long; Lifetime ends any
	// session this long after sign-in.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	Lifetime    time.Duration `yaml:"lifetime"`
	// SecureCookies sends the session cookie over HTTPS only; set it when
	// a TLS proxy fronts Supplyhub (implied by an https public_url).
	SecureCookies bool `yaml:"secure_cookies"`
	// PublicURL is the external base URL ("https://hub.example") for links
	// handed out, such as an order's status_url; empty: the request's host.
	PublicURL string `yaml:"public_url"`
	// MaxAttachmentBytes bounds one file attached to a manual order.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
}

// Webhooks configures outgoing webhooks.
type Webhooks struct {
	// AllowPrivate lists CIDR prefixes that webhook targets may resolve to
	// although they are loopback, private or link-local. Empty: none.
	AllowPrivate []string `yaml:"allow_private"`
	// Timeout bounds one attempt unless the channel sets its own.
	Timeout time.Duration `yaml:"timeout"`
}

// Summary schedules retailers' monthly summaries.
type Summary struct {
	// Schedule is a cron expression read in each retailer's time zone;
	// the summary covers the month before the tick (default: 06:00 on the 1st).
	Schedule string `yaml:"schedule"`
}

// Mail configures outgoing email.
type Mail struct {
	// From is the sender of every email, e.g. "Supplyhub <orders@hub.example>".
	From string `yaml:"from"`
	// Domain is the right-hand side of Message-IDs (default: From's domain).
	Domain string `yaml:"domain"`
	// Transport is "maildir" (default: files under $DATA_DIR/mail, no
	// server needed) or "smtp".
	Transport string `yaml:"transport"`
	// Maildir is the maildir folder (default $DATA_DIR/mail).
	Maildir string `yaml:"maildir"`
	SMTP    SMTP   `yaml:"smtp"`
	// Admin receives operator alerts (an endpoint disabled…).
	Admin string `yaml:"admin"`
	// Templates is a folder whose files override the built-in templates.
	Templates string `yaml:"templates"`
	// Inbound is the IMAP mailbox where suppliers' replies arrive.
	Inbound Inbound `yaml:"inbound"`
}

// Inbound is an IMAP mailbox read for supplier replies; an empty Addr
// turns reading off.
type Inbound struct {
	Addr             string        `yaml:"addr"`
	Username         string        `yaml:"username"`
	Password         string        `yaml:"password"`
	TLS              string        `yaml:"tls"` // implicit (default), starttls, none
	Mailbox          string        `yaml:"mailbox"`
	ProcessedMailbox string        `yaml:"processed_mailbox"`
	PollInterval     time.Duration `yaml:"poll_interval"`
	// CAFile is a PEM bundle of CA certificates trusted for the server
	// instead of the system roots.
	CAFile string `yaml:"ca_file"`
	// RequireAuthResults refuses (sends to review) replies without an
	// Authentication-Results header saying dmarc, or aligned dkim or spf,
	// passed; for operators whose receiving server adds one.
	RequireAuthResults bool `yaml:"require_auth_results"`
	// AuthServID is the authserv-id of the receiving server's
	// Authentication-Results; empty reads only the topmost header.
	AuthServID string `yaml:"authserv_id"`
}

// SMTP is the outgoing mail server.
type SMTP struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	TLS      string `yaml:"tls"` // starttls (default), implicit, none
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	HELO     string `yaml:"helo"`
	// CAFile is a PEM bundle of CA certificates trusted for the server
	// instead of the system roots.
	CAFile string `yaml:"ca_file"`
}

// Retailer is a retailer declared in the file; it is created or updated
// at start.
type Retailer struct {
	Code     string `yaml:"code"`
	Name     string `yaml:"name"`
	Email    string `yaml:"email"`
	TimeZone string `yaml:"time_zone"`
	// StatusEmails opts in to an email for every status change; the
	// cancellation email is sent whatever this says.
	StatusEmails bool `yaml:"status_emails"`
	// Channels are where status changes go: webhook and/or email.
	Channels []Channel `yaml:"channels"`
}

// Supplier is a supplier declared in the file, with its channels.
type Supplier struct {
	Code string `yaml:"code"`
	Name string `yaml:"name"`
	// Email is the supplier's contact address.
	Email string `yaml:"email"`
	// CommissionRate is a percentage such as "2.2" (default 2.2).
	CommissionRate string    `yaml:"commission_rate"`
	Channels       []Channel `yaml:"channels"`
	// Overdue overrides the global overdue limits for this supplier.
	Overdue *SupplierOverdue `yaml:"overdue"`
	// Catalog says how ingest uses the supplier's catalog, and where its
	// catalog feed is polled.
	Catalog Catalog `yaml:"catalog"`
	// CancelRequests overrides the global cancel_requests for this
	// supplier (a zero field keeps the global value).
	CancelRequests CancelRequests `yaml:"cancel_requests"`
}

// CancelRequests tunes retailers' cancellation requests.
type CancelRequests struct {
	// AnswerWithin is how long a supplier has to accept or refuse a
	// request before it is escalated to the operator (default 24h).
	AnswerWithin time.Duration `yaml:"answer_within"`
}

// CancelAnswerWithin is how long supplier code has to answer a
// cancellation request: its own setting, else the global one.
func (c *Config) CancelAnswerWithin(code string) time.Duration {
	for _, s := range c.Suppliers {
		if s.Code == code && s.CancelRequests.AnswerWithin > 0 {
			return s.CancelRequests.AnswerWithin
		}
	}
	return c.CancelRequests.AnswerWithin
}

// Catalog is a supplier's catalog settings.
type Catalog struct {
	// Mode is off (default: the catalog is not consulted), warn (lines
	// the catalog disagrees with are accepted and flagged) or enforce
	// (an unknown or not-for-sale SKU is refused). Stock is reserved in
	// warn and enforce.
	Mode string `yaml:"mode"`
	// PriceMismatch is refuse (default) or accept: what enforce does with
	// a unit price other than the catalog's.
	PriceMismatch string `yaml:"price_mismatch"`
	// Feed polls catalog files on the supplier's own SFTP/FTP server.
	Feed CatalogFeed `yaml:"feed"`
}

// CatalogFeed polls catalog feed files (CSV or JSON) from one of the
// supplier's own sftp or ftp channels.
type CatalogFeed struct {
	// Channel names the supplier's sftp/ftp channel (not hosted) to log in with.
	Channel string `yaml:"channel"`
	// Dir is the remote folder holding feed files; empty: no polling.
	Dir string `yaml:"dir"`
	// ArchiveDir receives applied files (default <dir>/archive).
	ArchiveDir string `yaml:"archive_dir"`
	// Poll is a cron expression (default every 15 minutes).
	Poll string `yaml:"poll"`
}

// Channel is one delivery channel of a supplier: name and type, plus the
// type's own settings (every other key), kept as a map and validated by
// the channel's connector.
type Channel struct {
	Name     string         `yaml:"name"`
	Type     string         `yaml:"type"`
	Settings map[string]any `yaml:",inline"`
}

// Default returns the built-in defaults.
func Default() *Config {
	return &Config{
		DataDir:  "./supplyhub-data",
		Database: Database{AutoMigrate: true},
		HTTP:     HTTP{Addr: ":8080", MaxBodyBytes: 1 << 20, ShutdownTimeout: 30 * time.Second, RateLimit: 100, RateBurst: 200},
		SFTP: SFTP{Addr: ":2222", MaxSessions: 64, IdleTimeout: 10 * time.Minute, MaxFileSize: 100 << 20,
			HandshakeTimeout: 15 * time.Second, MaxUnauthenticated: 128, MaxUnauthenticatedPerIP: 10, LoginFailures: 10, LoginBan: 5 * time.Minute},
		Log:       Log{Level: "info", Format: "json"},
		Jobs:      Jobs{MaxWorkers: 100, AttemptTimeout: time.Minute, RescueAfter: 90 * time.Second, FetchCooldown: 3 * time.Millisecond},
		Numbering: Numbering{SupplierOrder: "{order}-{supplier}"},
		Ingest:    Ingest{BatchSize: 64},
		Webhooks:  Webhooks{Timeout: 15 * time.Second},
		Summary:   Summary{Schedule: "0 6 1 * *"},
		Overdue:   Overdue{AcknowledgeWithin: "off", ShipWithin: "off", CheckEvery: 15 * time.Minute},
		// Keep in step with pipeline.DefaultCancelAnswerWithin.
		CancelRequests: CancelRequests{AnswerWithin: 24 * time.Hour},
		Portal:         Portal{IdleTimeout: 2 * time.Hour, Lifetime: 24 * time.Hour, MaxAttachmentBytes: 10 << 20},
		Mail:           Mail{From: "Supplyhub <orders@supplyhub.localhost>", Transport: "maildir", SMTP: SMTP{Port: 587, TLS: "starttls"}},
	}
}

// SettingsJSON returns the channel's own settings as a JSON object.
func (c Channel) SettingsJSON() []byte {
	if len(c.Settings) == 0 {
		return []byte("{}")
	}
	b, err := json.Marshal(c.Settings)
	if err != nil {
		// yaml.v3 decodes maps as map[string]any, which always marshals.
		return []byte("{}")
	}
	return b
}

// ChannelName is the channel's name, defaulting to its type.
func (c Channel) ChannelName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Type
}
