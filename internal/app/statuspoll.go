package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/connectors/ftp"
	sftpclient "github.com/supplyhub/supplyhub/connectors/sftp/client"
	"github.com/supplyhub/supplyhub/connectors/statusfile"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/schedule"
	"github.com/supplyhub/supplyhub/internal/store"
)

// pollSettings are the status-file keys of a supplier's own SFTP/FTP channel.
type pollSettings struct {
	// StatusDir is where the supplier leaves status files; empty: no polling.
	StatusDir string `json:"status_dir"`
	// StatusArchiveDir receives processed files (default <status_dir>/archive).
	StatusArchiveDir string `json:"status_archive_dir"`
	// StatusPoll is a cron expression (default every 5 minutes).
	StatusPoll string `json:"status_poll"`
	Hosted     bool   `json:"hosted"`
}

func (p pollSettings) archive() string {
	if p.StatusArchiveDir != "" {
		return p.StatusArchiveDir
	}
	return path.Join(p.StatusDir, "archive")
}

func (p pollSettings) schedule() (cron.Schedule, error) {
	spec := p.StatusPoll
	if spec == "" {
		spec = "*/5 * * * *"
	}
	return schedule.Parse(spec)
}

// StatusPollArgs polls one supplier channel's status folder now.
type StatusPollArgs struct {
	SupplierID int64  `json:"supplier_id"`
	Channel    string `json:"channel"`
}

func (StatusPollArgs) Kind() string { return "status_poll" }

// statusPollScanArgs is the leader's minute check for polls due.
type statusPollScanArgs struct{}

func (statusPollScanArgs) Kind() string { return "status_poll_scan" }

// remoteDir is what polling needs of an SFTP or FTP session.
type remoteDir interface {
	List(ctx context.Context, dir string) ([]drop.RemoteFile, error)
	Get(ctx context.Context, dir, name string, max int64) ([]byte, error)
	Move(ctx context.Context, fromDir, name, toDir string) error
	PutIn(ctx context.Context, dir, name string, data []byte) error
	Close() error
}

func dialRemote(ctx context.Context, ch domain.Channel) (remoteDir, error) {
	switch ch.Type {
	case domain.ChannelSFTP:
		var st sftpclient.Settings
		if err := json.Unmarshal(ch.Settings, &st); err != nil {
			return nil, err
		}
		s, err := sftpclient.Dial(ctx, st)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return s, nil
	case domain.ChannelFTP:
		var st ftp.Settings
		if err := json.Unmarshal(ch.Settings, &st); err != nil {
			return nil, err
		}
		s, err := ftp.Dial(ctx, st)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("channel type %s cannot be polled", ch.Type)
}

// statusPollWorker fetches and applies the status files on a supplier's
// own server. A file is archived on the server only after its rows were
// applied; a crash in between re-reads it, and the rows' idempotency keys
// (the content hash) keep it from applying twice.
type statusPollWorker struct {
	river.WorkerDefaults[StatusPollArgs]
	st     *store.Store
	status *statusfile.Worker
	log    *slog.Logger
}

func (w *statusPollWorker) Work(ctx context.Context, job *river.Job[StatusPollArgs]) error {
	sup, err := w.st.SupplierByID(ctx, job.Args.SupplierID)
	if err != nil {
		return err
	}
	var ch domain.Channel
	for _, c := range sup.Channels {
		if c.Name == job.Args.Channel {
			ch = c
		}
	}
	var ps pollSettings
	_ = json.Unmarshal(ch.Settings, &ps)
	if ps.StatusDir == "" || ps.Hosted {
		return nil // no longer polled
	}
	return pollRemote(ctx, w.log, sup, ch, remotePoll{what: "status", dir: ps.StatusDir, archive: ps.archive(), wants: statusfile.Wants,
		process: func(ctx context.Context, rf drop.RemoteFile, data []byte, readErr error) ([]byte, error) {
			return w.status.Process(ctx, sup.ID, rf.Name, data, readErr)
		}})
}

// statusPollScanWorker queues a poll for every channel whose status_poll
// schedule ticked in the last minute (unique per channel and minute).
type statusPollScanWorker struct {
	river.WorkerDefaults[statusPollScanArgs]
	st *store.Store
	q  jobs.Queue
}

func (w *statusPollScanWorker) Work(ctx context.Context, _ *river.Job[statusPollScanArgs]) error {
	sups, err := w.st.ListSuppliers(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	var params []river.InsertManyParams
	for _, sup := range sups {
		for _, ch := range sup.Channels {
			if ch.Type != domain.ChannelSFTP && ch.Type != domain.ChannelFTP {
				continue
			}
			var ps pollSettings
			_ = json.Unmarshal(ch.Settings, &ps)
			sched, err := ps.schedule()
			if ps.StatusDir == "" || ps.Hosted || err != nil || sched.Next(now.Add(-time.Minute)).After(now) {
				continue
			}
			params = append(params, river.InsertManyParams{Args: StatusPollArgs{SupplierID: sup.ID, Channel: ch.Name},
				InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}})
		}
	}
	// Catalog feeds on suppliers' own servers ride the same scan.
	params = append(params, catalogPollJobs(sups, now)...)
	return w.q.Insert(ctx, params)
}
