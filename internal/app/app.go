// Package app assembles a Supplyhub daemon from its configuration: store,
// job queue, pipeline, connectors and HTTP server. cmd/supplyhub's serve
// and the end-to-end tests build it the same way.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/time/rate"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/api"
	"github.com/supplyhub/supplyhub/connectors/catalogfeed"
	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/connectors/email"
	"github.com/supplyhub/supplyhub/connectors/email/inbound"
	"github.com/supplyhub/supplyhub/connectors/portal"
	sftpserver "github.com/supplyhub/supplyhub/connectors/sftp/server"
	"github.com/supplyhub/supplyhub/connectors/statusfile"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/logthrottle"
	"github.com/supplyhub/supplyhub/internal/metrics"
	"github.com/supplyhub/supplyhub/internal/schedule"
	"github.com/supplyhub/supplyhub/internal/server"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// App is a running daemon's parts.
type App struct {
	Cfg    *config.Config
	Store  *store.Store
	Queue  jobs.Queue
	Ingest *pipeline.Ingestor
	// Catalog applies suppliers' catalog updates (API and feeds).
	Catalog  *pipeline.Catalog
	Metrics  *metrics.Metrics
	Handler  http.Handler
	Channels pipeline.Channels
	// SFTP is the built-in SFTP server (nil when sftp.addr is empty) and
	// SFTPAddr its listening address once serving.
	// Summaries sends retailers' monthly summaries.
	Summaries *Summarizer
	SFTP      *sftpserver.Server
	SFTPAddr  net.Addr
	// OpsHandler serves health and metrics on http.ops_addr (nil when
	// unset) and OpsAddr is that listener's address once serving.
	OpsHandler http.Handler
	OpsAddr    net.Addr
	// Overdue finds supplier orders past their limits; the periodic job
	// runs it with the clock, tests with their own.
	Overdue *pipeline.OverdueScanner
	// CancelEscalator escalates unanswered cancellation requests (run by
	// a leader-elected periodic job; tests call its Scan with a clock).
	CancelEscalator *pipeline.CancelEscalator
	// Portal is the web portal under /portal.
	Portal  *portal.Server
	log     *slog.Logger
	replica *jobs.Replica // PostgreSQL only
	// replyKeys sign the reply tokens of supplier order emails and check
	// them in replies.
	replyKeys email.ReplyKeys
}

// New opens the store (migrating it when configured to), syncs the
// retailers and suppliers declared in the configuration, and builds every
// part. Nothing listens or works jobs until Run.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	st, err := store.Open(ctx, cfg.Database.URL)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Store: st, log: log, Metrics: metrics.New()}
	if err := a.init(ctx); err != nil {
		a.replica.Release(ctx)
		st.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context) error {
	cfg, st := a.Cfg, a.Store
	if cfg.Database.AutoMigrate {
		if err := Migrate(ctx, st); err != nil {
			return err
		}
	}
	if err := SyncDeclared(ctx, st, cfg); err != nil {
		return err
	}
	if cfg.Demo.WriteKeys {
		if err := writeDemoKeys(ctx, st, cfg, a.log); err != nil {
			return err
		}
	}
	var hosted drop.Dialer
	storage := sftpserver.NewDBStorage(st)
	if cfg.SFTP.Addr != "" {
		srv, err := newSFTPServer(ctx, cfg, st, a.log, a.inboundFile, a.catalogFile)
		if err != nil {
			return err
		}
		a.SFTP, hosted = srv, sftpserver.Dropper{Server: srv}
	}
	var err error
	if a.Channels, err = Channels(cfg, a.log, hosted); err != nil {
		return err
	}
	if a.replyKeys, err = ReplyKeys(ctx, st); err != nil {
		return err
	}
	if ch, ok := a.Channels[domain.ChannelEmail].(*email.Channel); ok {
		a.Channels[domain.ChannelEmail] = ch.WithReplyKeys(a.replyKeys)
	}
	workers := river.NewWorkers()
	mailer, err := NewMailer(cfg)
	if err != nil {
		return err
	}
	alert := &alerter{mailer: mailer, admin: cfg.Mail.Admin, m: a.Metrics, log: a.log}
	dispatcher := pipeline.NewDispatcher(st, a.Channels, a.Metrics, a.log, alert)
	river.AddWorker(workers, dispatcher)
	river.AddWorker(workers, dispatcher.BatchWorker(cfg.Jobs.MaxWorkers))
	statusFiles := statusfile.NewWorker(st, nil, storage, a.log.With("component", "status-files"))
	river.AddWorker(workers, statusFiles)
	pushChannels := func(typ string) bool { return typ != domain.ChannelAPI }
	a.Catalog = pipeline.NewCatalog(st, nil, pushChannels, a.log.With("component", "catalog"))
	feeds := catalogfeed.NewWorker(a.Catalog, storage, a.log.With("component", "catalog-feeds"))
	river.AddWorker(workers, feeds)
	river.AddWorker(workers, &catalogPollWorker{st: st, feed: feeds, log: a.log.With("component", "catalog-poll")})
	river.AddWorker(workers, pipeline.NewStockReturnWorker(a.Catalog))
	render, err := email.NewRenderer(cfg.Mail.Templates)
	if err != nil {
		return fmt.Errorf("mail.templates: %w", err)
	}
	a.Summaries = NewSummarizer(st, mailer, render, a.log.With("component", "summary"))
	river.AddWorker(workers, &summaryWorker{s: a.Summaries})
	sched, err := schedule.Parse(cfg.Summary.Schedule)
	if err != nil {
		return fmt.Errorf("summary.schedule: %w", err)
	}
	scan := &summaryScanWorker{st: st, schedule: sched, log: a.log}
	river.AddWorker(workers, scan)
	river.AddWorker(workers, &statusPollWorker{st: st, status: statusFiles, log: a.log.With("component", "status-poll")})
	pollScan := &statusPollScanWorker{st: st}
	river.AddWorker(workers, pollScan)
	overdueScan := &overdueScanWorker{now: time.Now, log: a.log.With("component", "overdue")}
	river.AddWorker(workers, overdueScan)
	river.AddWorker(workers, &overdueAlertWorker{st: st, alert: alert})
	cancelApplier := pipeline.NewCancelApplier(st, a.log.With("component", "cancel-requests"))
	river.AddWorker(workers, cancelApplier)
	a.CancelEscalator = pipeline.NewCancelEscalator(st, a.Metrics.RegisterCancelEscalations().Inc, a.log.With("component", "cancel-requests"))
	river.AddWorker(workers, a.CancelEscalator)
	river.AddWorker(workers, &cancelEscalationWorker{st: st, alert: alert})
	river.AddWorker(workers, &endpointAlertWorker{alert: alert})
	clientID, err := a.claimReplica(ctx)
	if err != nil {
		return err
	}
	q, err := jobs.New(st, jobs.Config{
		ID:      clientID,
		Workers: workers, MaxWorkers: cfg.Jobs.MaxWorkers,
		// Leader-elected: one replica checks each hour which summaries are due.
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return summaryScanArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			// Status files on suppliers' own servers, polled on each channel's status_poll.
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return statusPollScanArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			// Leader-elected: one replica looks for overdue supplier orders.
			river.NewPeriodicJob(river.PeriodicInterval(cfg.Overdue.CheckEvery),
				func() (river.JobArgs, *river.InsertOpts) { return overdueScanArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			// Unanswered cancellation requests, escalated once each.
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return pipeline.CancelScanArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		},
		JobTimeout: cfg.Jobs.AttemptTimeout, RescueAfter: cfg.Jobs.RescueAfter, FetchCooldown: cfg.Jobs.FetchCooldown,
		// River logs each failed fetch (about 18 a second on a full
		// disk): repeats are held back and counted, 10 s at a time.
		Logger: slog.New(logthrottle.New(a.log.Handler(), 10*time.Second, nil)).With("component", "river"),
	})
	if err != nil {
		return err
	}
	a.Queue = q
	statusFiles.SetQueue(q)
	a.Catalog.SetQueue(q)
	dispatcher.SetQueue(q)
	scan.q = q
	pollScan.q = q
	cancelApplier.SetQueue(q)
	a.CancelEscalator.SetQueue(q)
	a.Metrics.RegisterQueueDepth(q.Depth)
	a.Overdue = pipeline.NewOverdueScanner(st, q, a.Metrics, a.log.With("component", "overdue"), overdueLimits(cfg))
	overdueScan.scan = a.Overdue
	a.Metrics.RegisterOverdueOpen(func(ctx context.Context) (int64, error) {
		return st.CountOpenOverdue(ctx, pipeline.OverdueStatuses())
	})
	// SQLite has one writer anyway. On PostgreSQL each writer holds one
	// pooled connection for its batch; two leave the rest of the pool to
	// reads and River.
	writers := 1
	if st.Kind() == store.KindPostgres {
		writers = 2
	}
	dir := pipeline.NewDirectory(st, 5*time.Second)
	a.Ingest = pipeline.NewIngestor(st, q, dir, a.Metrics, a.log, pipeline.IngestConfig{
		BatchSize: cfg.Ingest.BatchSize, Writers: writers,
		SupplierOrderNumber: pipeline.SupplierOrderNumberer(cfg.Numbering.SupplierOrder),
		PushChannels:        pushChannels,
	})
	limit := rate.Limit(cfg.HTTP.RateLimit)
	if cfg.HTTP.RateLimit == 0 {
		limit = rate.Inf
	}
	apiSrv := api.NewWithOptions(st, a.Ingest, a.log, api.Options{MaxBody: cfg.HTTP.MaxBodyBytes,
		RateLimit: limit, RateBurst: cfg.HTTP.RateBurst, Queue: q, PublicURL: cfg.Portal.PublicURL, Catalog: a.Catalog,
		CancelPolicy: cfg.CancelAnswerWithin})
	a.Portal, err = portal.New(st, a.log.With("component", "portal"), portal.Options{IdleTimeout: cfg.Portal.IdleTimeout,
		Lifetime: cfg.Portal.Lifetime, SecureCookies: cfg.Portal.SecureCookies, PublicURL: cfg.Portal.PublicURL, Queue: q,
		Ingest: a.Ingest, MaxAttachmentBytes: cfg.Portal.MaxAttachmentBytes, Mail: portalMailer{mailer}})
	if err != nil {
		return err
	}
	if cfg.Demo.WriteKeys {
		if err := writeDemoUsers(ctx, st, cfg, a.log); err != nil {
			return err
		}
	}
	opts, err := serverOptions(cfg, a.log)
	if err != nil {
		return err
	}
	a.Handler = server.New(a.Metrics, a.ready, opts, apiSrv.Register, a.Portal.Register)
	if cfg.HTTP.OpsAddr != "" {
		a.OpsHandler = server.NewOps(a.Metrics, a.ready, opts)
	}
	return nil
}

// mailbox is the configured IMAP reader of supplier replies, or nil.
func (a *App) mailbox() *inbound.Mailbox {
	in := a.Cfg.Mail.Inbound
	if in.Addr == "" {
		return nil
	}
	mailer, err := NewMailer(a.Cfg)
	if err != nil {
		return nil
	}
	return &inbound.Mailbox{Addr: in.Addr, Username: in.Username, Password: in.Password, TLS: inbound.TLSMode(in.TLS),
		Mailbox: in.Mailbox, ProcessedMailbox: in.ProcessedMailbox, PollInterval: in.PollInterval, CAFile: in.CAFile,
		Domain: mailer.Domain, Logger: a.log.With("component", "imap")}
}

// inboundFile queues a status file uploaded to the built-in SFTP server.
// The job is durable: once the upload is committed and this insert done,
// a crash cannot lose the file's processing.
func (a *App) inboundFile(ctx context.Context, supplierID int64, name string) {
	if !statusfile.Wants(name) {
		return
	}
	if err := a.Queue.Insert(ctx, []river.InsertManyParams{statusfile.Job(supplierID, name)}); err != nil {
		a.log.Error("queue status file", "supplier_id", supplierID, "file", name, "error", err)
	}
}

// catalogFile queues a catalog feed uploaded to /inbound/catalog on the
// built-in SFTP server, durably like a status file.
func (a *App) catalogFile(ctx context.Context, supplierID int64, name string) {
	if !catalogfeed.Wants(name) {
		return
	}
	if err := a.Queue.Insert(ctx, []river.InsertManyParams{catalogfeed.Job(supplierID, name)}); err != nil {
		a.log.Error("queue catalog feed", "supplier_id", supplierID, "file", name, "error", err)
	}
}

// Migrate applies Supplyhub's and River's migrations.
func Migrate(ctx context.Context, st *store.Store) error {
	return jobs.Migrate(ctx, st)
}

func (a *App) ready(ctx context.Context) error {
	if err := a.Store.Ping(ctx); err != nil {
		return &server.CheckError{Check: "database", Err: fmt.Errorf("database unreachable: %w", err)}
	}
	// A full disk still answers reads: only failed writes tell.
	if err := a.Store.StorageFull(10 * time.Second); err != nil {
		return &server.CheckError{Check: "storage_full", Err: err}
	}
	n, err := a.Store.PendingMigrations(ctx)
	if err != nil {
		return &server.CheckError{Check: "migrations", Err: err}
	}
	if n > 0 {
		return &server.CheckError{Check: "migrations", Err: fmt.Errorf("%d migrations pending: run supplyhub migrate", n)}
	}
	return nil
}

// Run listens on the configured address and works jobs until ctx ends,
// then drains: the listener stops taking requests and finishes those in
// flight, the ingestor answers what it holds, running jobs finish, and
// the store closes.
func (a *App) Run(ctx context.Context, ready func(httpAddr net.Addr)) error {
	ln, err := net.Listen("tcp", a.Cfg.HTTP.Addr)
	if err != nil {
		a.Store.Close()
		return fmt.Errorf("listen %s: %w", a.Cfg.HTTP.Addr, err)
	}
	return a.Serve(ctx, ln, ready)
}

// Serve is Run on an existing listener.
func (a *App) Serve(ctx context.Context, ln net.Listener, ready func(httpAddr net.Addr)) error {
	defer a.Store.Close()
	defer a.replica.Release(ctx)
	release, err := a.claimSQLite(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	defer release()
	stopOps, err := a.serveOps()
	if err != nil {
		ln.Close()
		return err
	}
	// River cancels running jobs when its start context ends; shutdown
	// must drain them instead (Queue.Stop below), so it gets a context
	// that the signal does not cancel.
	if err := a.Queue.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		stopOps(context.Background())
		return err
	}
	ingestCtx, stopIngest := context.WithCancel(context.WithoutCancel(ctx))
	ingestDone := make(chan struct{})
	go func() { a.Ingest.Run(ingestCtx); close(ingestDone) }()

	mailDone := make(chan struct{})
	if mb := a.mailbox(); mb != nil {
		go func() {
			defer close(mailDone)
			h := &replyHandler{st: a.Store, q: a.Queue, log: a.log.With("component", "imap"), keys: a.replyKeys,
				auth: inbound.AuthPolicy{AuthServID: a.Cfg.Mail.Inbound.AuthServID, Require: a.Cfg.Mail.Inbound.RequireAuthResults}}
			if err := mb.Run(ctx, h); err != nil {
				a.log.Error("email replies not read", "error", err)
			}
		}()
	} else {
		close(mailDone)
	}
	sftpDone := make(chan struct{})
	if a.SFTP != nil {
		sln, err := net.Listen("tcp", a.Cfg.SFTP.Addr)
		if err != nil {
			ln.Close()
			stopOps(context.Background())
			stopIngest()
			<-ingestDone
			_ = a.Queue.Stop(context.Background())
			return fmt.Errorf("listen sftp %s: %w", a.Cfg.SFTP.Addr, err)
		}
		a.SFTPAddr = sln.Addr()
		go func() {
			defer close(sftpDone)
			if err := a.SFTP.Serve(ctx, sln); err != nil && ctx.Err() == nil {
				a.log.Error("sftp server stopped", "error", err)
			}
		}()
	} else {
		close(sftpDone)
	}
	// Expired portal sessions and old sign-in failures go every 10 minutes.
	cleanCtx, stopClean := context.WithCancel(ctx)
	cleanDone := make(chan struct{})
	go func() { a.Portal.Clean(cleanCtx, 10*time.Minute); close(cleanDone) }()
	defer func() { stopClean(); <-cleanDone }()
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	attrs := []any{"http", ln.Addr().String(), "database", a.Store.Kind(), "database_url", store.RedactURL(a.Cfg.Database.URL), "data_dir", a.Cfg.DataDir}
	if a.SFTPAddr != nil {
		attrs = append(attrs, "sftp", a.SFTPAddr.String())
	}
	if a.OpsAddr != nil {
		attrs = append(attrs, "ops", a.OpsAddr.String())
	}
	a.log.Info("supplyhub serving", attrs...)

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		runErr = fmt.Errorf("http server: %w", err)
	}
	a.log.Info("supplyhub shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), a.Cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Warn("http shutdown", "error", err)
	}
	stopOps(shutCtx)
	stopIngest()
	<-ingestDone
	<-sftpDone
	<-mailDone
	if err := a.Queue.Stop(shutCtx); err != nil {
		a.log.Warn("job queue stop", "error", err)
	}
	a.log.Info("supplyhub stopped")
	return runErr
}
