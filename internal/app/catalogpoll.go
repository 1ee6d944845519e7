package app

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"

	"github.com/supplyhub/supplyhub/connectors/catalogfeed"
	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/schedule"
	"github.com/supplyhub/supplyhub/internal/store"
)

// CatalogPollArgs polls one supplier's catalog feed folder now.
type CatalogPollArgs struct {
	SupplierID int64 `json:"supplier_id"`
}

func (CatalogPollArgs) Kind() string { return "catalog_poll" }

// feedSchedule is a feed's poll schedule (default every 15 minutes).
func feedSchedule(f domain.CatalogFeed) (cron.Schedule, error) {
	spec := f.Poll
	if spec == "" {
		spec = "*/15 * * * *"
	}
	return schedule.Parse(spec)
}

func feedArchive(f domain.CatalogFeed) string {
	if f.ArchiveDir != "" {
		return f.ArchiveDir
	}
	return path.Join(f.Dir, "archive")
}

// catalogPollWorker fetches and applies the catalog feed files on a
// supplier's own server, through the same connection (dialRemote) and
// steps as status polling: a file is archived on the server only after it
// was applied, its errors report written beside it.
type catalogPollWorker struct {
	river.WorkerDefaults[CatalogPollArgs]
	st   *store.Store
	feed *catalogfeed.Worker
	log  *slog.Logger
}

func (w *catalogPollWorker) Work(ctx context.Context, job *river.Job[CatalogPollArgs]) error {
	sup, err := w.st.SupplierByID(ctx, job.Args.SupplierID)
	if err != nil {
		return err
	}
	f := sup.Catalog.Feed
	if f.Dir == "" {
		return nil // no longer polled
	}
	var ch domain.Channel
	found := false
	for _, c := range sup.Channels {
		if c.Name == f.Channel {
			ch, found = c, true
		}
	}
	if !found {
		return fmt.Errorf("catalog poll %s: no channel %q", sup.Code, f.Channel)
	}
	return pollRemote(ctx, w.log, sup, ch, remotePoll{what: "catalog", dir: f.Dir, archive: feedArchive(f), wants: catalogfeed.Wants,
		process: func(ctx context.Context, rf drop.RemoteFile, data []byte, readErr error) ([]byte, error) {
			// The same remote file read again after a crash (not yet
			// archived) is the same attempt: name, modification time and
			// content hash (in the key) keep it from applying twice; a new
			// upload is new.
			attempt := fmt.Sprintf("poll:%s:%s:%d", f.Dir, rf.Name, rf.ModTime.UnixNano())
			return w.feed.Process(ctx, sup.ID, rf.Name, attempt, data, readErr)
		}})
}

// catalogPollJobs are the catalog polls due this minute, for the leader's
// minute scan (unique per supplier and minute).
func catalogPollJobs(sups []*domain.Supplier, now time.Time) []river.InsertManyParams {
	var params []river.InsertManyParams
	for _, sup := range sups {
		f := sup.Catalog.Feed
		sched, err := feedSchedule(f)
		if f.Dir == "" || err != nil || sched.Next(now.Add(-time.Minute)).After(now) {
			continue
		}
		params = append(params, river.InsertManyParams{Args: CatalogPollArgs{SupplierID: sup.ID},
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}})
	}
	return params
}
