package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// leader returns River's current leader id ("" when there is none).
func leader(t *testing.T, st *store.Store) string {
	t.Helper()
	var id string
	err := st.DB().QueryRow(context.Background(), `SELECT COALESCE((SELECT leader_id FROM river_leader WHERE expires_at > now()), '')`).Scan(&id)
	if err != nil {
		t.Fatalf("read river_leader: %v", err)
	}
	return id
}

// TestReplicasKillLeaderMidBurst runs three serve processes on one
// PostgreSQL schema and kill -9s the River leader in the middle of a burst
// of orders posted round-robin to all three. It checks that nothing is lost,
// that no delivery is recorded as made twice beyond the jobs the killed
// replica had running, that a scheduled SFTP drop writes each file once at
// its tick, that monthly summaries are queued once per retailer and month
// however many leaders ran the scan, and it measures the leader hand-over.
func TestReplicasKillLeaderMidBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	storetest.SkipWithoutPostgres(t)
	n, m, settleLimit := 1200, 24, 150*time.Second
	if os.Getenv("SUPPLYHUB_FAULT_LONG") != "" {
		n, settleLimit = 6000, 5*time.Minute
	}
	dbURL := storetest.URL(t, store.KindPostgres)
	dataDir := t.TempDir()
	hook := newHookReceiver(t)
	// The killed replica does not come back: its jobs wait for rescue_after.
	cfgPath := faultConfig(t, dataDir, hook, "jobs: {attempt_timeout: 5s, rescue_after: 10s}",
		`      - {type: sftp, hosted: true, schedule: "* * * * *", format: json, `+faultRetry+"}\n")
	watch := watchOutbox(t, dataDir)
	// Each replica has its own name: River's client id is "<name>/<random>".
	var reps [3]*proc
	for i := range reps {
		reps[i] = startServe(t, cfgPath, dbURL, "SUPPLYHUB_SFTP_ADDR="+freeAddr(t),
			fmt.Sprintf("SUPPLYHUB_JOBS_REPLICA_NAME=fault-r%d", i))
	}
	key := createKey(t, cfgPath, dbURL, "--retailer", "acme")
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	which := func(id string) int {
		for i := range reps {
			if strings.HasPrefix(id, fmt.Sprintf("fault-r%d/", i)) {
				return i
			}
		}
		t.Fatalf("leader %s is none of the replicas", id)
		return -1
	}
	deadline := time.Now().Add(30 * time.Second)
	for leader(t, st) == "" {
		if time.Now().After(deadline) {
			t.Fatal("no River leader 30 s after three replicas started")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The first leader queues its summary scan within about a second of
	// taking office (River staggers its maintainers' start); killed before
	// that, it leaves one scan in all and the check below could not tell a
	// new leader's scan from the first one.
	for queryInt(t, st, `SELECT count(*) FROM river_job WHERE kind = 'monthly_summary_scan'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first River leader queued no summary scan 30 s after three replicas started")
		}
		time.Sleep(100 * time.Millisecond)
	}

	var rr atomic.Int64
	b := newBurst(key, true, func(int, int) string { return reps[rr.Add(1)%3].url })
	b.start(n, m)
	defer b.cancel()
	if !b.waitAccepted(int64(n / 2)) {
		t.Fatalf("the burst ended before %d orders were accepted: %v", n/2, b.failures())
	}
	killedID := leader(t, st)
	if killedID == "" {
		t.Fatal("no River leader in office mid-burst")
	}
	killed := which(killedID)
	reps[killed].kill9()
	killedAt := time.Now()
	// Jobs the dead replica was running: each may be sent again unrecorded.
	window := queryInt(t, st, `SELECT count(*) FROM river_job WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = $1`, killedID)
	var handover time.Duration
	for handover == 0 {
		if id := leader(t, st); id != "" && id != killedID {
			handover = time.Since(killedAt)
			t.Logf("leader %s (replica %d) killed; %s (replica %d) took over after %s", killedID, killed, id, which(id), handover)
		}
		if time.Since(killedAt) > time.Minute {
			t.Fatal("no new River leader a minute after the leader was killed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	<-b.done
	if f := b.failures(); len(f) > 0 {
		t.Fatalf("%d posts failed, first: %s", len(f), f[0])
	}

	// The SFTP drops wait for the next minute's tick.
	waitSettled(t, st, settleLimit, nil)
	settle := time.Since(killedAt)
	sos, byExt := storedOrders(t, st, "acme")
	b.checkAcked(t, byExt)
	rep := checkDeliveries(t, st, dataDir, sos, hook, watch)
	sent, accepted, retried := b.counts()
	if accepted != n || len(byExt) != n {
		t.Errorf("%d of %d orders accepted, %d stored", accepted, n, len(byExt))
	}
	if rep.owed != 4*n || rep.delivered != 3*n {
		t.Errorf("%d deliveries owed (want 4 per order), %d file and webhook deliveries made with the right content (want %d)", rep.owed, rep.delivered, 3*n)
	}
	if rep.hook.conflicts > 0 { // files: checked by checkDeliveries
		t.Errorf("%d webhook-ids were received with different bodies", rep.hook.conflicts)
	}
	fileDup := queryInt(t, st, `SELECT count(*) FROM deliveries d WHERE d.kind = 'file'
 AND (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.outcome = 'ok') > 1`)
	if rep.recordedDup > window {
		t.Errorf("%d deliveries recorded as made twice (%d of them files), more than the %d jobs the killed replica had running",
			rep.recordedDup, fileDup, window)
	}

	// Scheduled SFTP drop: each file is written once, at or after the tick
	// following its order, by whichever replica took the job.
	sftpDeliveries := queryInt(t, st, `SELECT count(*) FROM deliveries WHERE kind = 'sftp'`)
	early := queryInt(t, st, `SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
 WHERE d.kind = 'sftp' AND a.started_at < date_trunc('minute', d.created_at) + interval '1 minute'`)
	sftpAttempts := queryInt(t, st, `SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.kind = 'sftp'`)
	writes := queryInt(t, st, `SELECT count(*) FROM sftp_blobs WHERE supplier_id = (SELECT id FROM suppliers WHERE code = '31')`)
	files := queryInt(t, st, `SELECT count(*) FROM sftp_files WHERE folder = 'outbound' AND supplier_id = (SELECT id FROM suppliers WHERE code = '31')`)
	ticks := queryInt(t, st, `SELECT count(DISTINCT date_trunc('minute', created_at)) FROM deliveries WHERE kind = 'sftp'`)
	if sftpDeliveries != n || files != n {
		t.Errorf("%d SFTP deliveries and %d files in /outbound for %d orders", sftpDeliveries, files, n)
	}
	if early > 0 {
		t.Errorf("%d SFTP attempts ran before their scheduled tick", early)
	}
	if sftpAttempts > sftpDeliveries {
		logAttemptErrors(t, st, "sftp")
	}
	if sftpAttempts > sftpDeliveries+window {
		t.Errorf("%d SFTP attempts for %d deliveries: each scheduled file is sent once (plus at most the %d interrupted jobs)", sftpAttempts, sftpDeliveries, window)
	}
	if writes < files || writes > files+window {
		t.Errorf("%d SFTP writes for %d files: each is written once (plus at most the %d interrupted jobs)", writes, files, window)
	}

	// Monthly summaries: every leader runs the scan on taking office; the
	// summary jobs are unique per retailer and month.
	scans := queryInt(t, st, `SELECT count(*) FROM river_job WHERE kind = 'monthly_summary_scan'`)
	rows, err := st.DB().Query(context.Background(), `SELECT args->>'retailer_id', args->>'month', count(*) FROM river_job
 WHERE kind = 'monthly_summary' GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var summaries []string
	for rows.Next() {
		var r, month string
		var c int
		if err := rows.Scan(&r, &month, &c); err != nil {
			t.Fatal(err)
		}
		summaries = append(summaries, fmt.Sprintf("%s/%s×%d", r, month, c))
		if c != 1 {
			t.Errorf("summary of retailer %s for %s queued %d times", r, month, c)
		}
	}
	rows.Close()
	if scans < 2 {
		t.Errorf("the summary scan ran %d times: the new leader should have run it again, or the once-only check proves nothing", scans)
	}
	if len(summaries) != 2 {
		t.Errorf("summaries queued: %v, want one for each of the 2 retailers", summaries)
	}
	workers := queryInt(t, st, `SELECT count(DISTINCT attempted_by[array_length(attempted_by, 1)]) FROM river_job WHERE kind IN ('dispatch', 'dispatch_batch')`)
	if workers < 2 {
		t.Errorf("dispatch jobs were worked by %d replicas", workers)
	}
	t.Logf("FAULT replicas postgres n=%d m=%d sent=%d accepted=%d retried=%d stored=%d owed=%d delivered=%d webhooks=%d file_writes=%d dup_same=%d dup_conflict=%d recorded_dup=%d file_dup=%d crash_window=%d sftp_files=%d sftp_attempts=%d sftp_writes=%d ticks=%d summaries=%s scans=%d workers=%d handover=%s settle=%s",
		n, m, sent, accepted, retried, len(byExt), rep.owed, rep.delivered, rep.hook.requests, rep.fileWrites, rep.dupSame(), rep.dupConflict(),
		rep.recordedDup, fileDup, window, files, sftpAttempts, writes, ticks, strings.Join(summaries, ","), scans, workers,
		handover.Round(time.Millisecond), settle.Round(time.Millisecond))
	for i, p := range reps {
		if i != killed {
			p.stop(t)
		}
	}
}

// logAttemptErrors logs the commonest errors of kind's failed attempts.
func logAttemptErrors(t *testing.T, st *store.Store, kind string) {
	t.Helper()
	rows, err := st.DB().Query(context.Background(), `SELECT a.outcome, left(a.error, 200), count(*) FROM delivery_attempts a
 JOIN deliveries d ON d.id = a.delivery_id WHERE d.kind = $1 AND a.outcome <> 'ok' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var outcome, msg string
		var c int
		if err := rows.Scan(&outcome, &msg, &c); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s attempts %s ×%d: %s", kind, outcome, c, msg)
	}
}
