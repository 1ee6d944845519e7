package bench

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgDatabase creates a fresh database on base's server for one run and
// returns its URL and a function that drops it.
func pgDatabase(ctx context.Context, base string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("--pg-url: %w", err)
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	name := fmt.Sprintf("supplyhub_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = conn.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(dctx)
	}
	return u.String(), drop, nil
}

// vacuumJobs runs VACUUM (ANALYZE) on River's job table: the shared test
// server runs with autovacuum off, and a bloated river_job slows the next
// run's job fetches.
func vacuumJobs(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	defer conn.Close(ctx)
	for _, t := range []string{"river_job", "river_leader", "river_queue"} {
		if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) "+t); err != nil && !strings.Contains(err.Error(), "does not exist") {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	return nil
}

// backendSampler follows the CPU time of the PostgreSQL backends serving
// one database, by pid from pg_stat_activity and /proc/<pid>/stat (the
// server must run on this machine). A backend that exits between two
// samples loses the CPU it used since the last one.
type backendSampler struct {
	conn *pgx.Conn
	db   string

	mu   sync.Mutex
	base map[int]float64 // CPU at the first sample for backends then alive
	last map[int]float64
	err  error
}

func newBackendSampler(ctx context.Context, dbURL, db string) (*backendSampler, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("backend sampler: %w", err)
	}
	s := &backendSampler{conn: conn, db: db, base: map[int]float64{}, last: map[int]float64{}}
	if err := s.sample(ctx, true); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return s, nil
}

func (s *backendSampler) sample(ctx context.Context, first bool) error {
	rows, err := s.conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", s.db)
	if err != nil {
		return fmt.Errorf("list backends: %w", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("list backends: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range pids {
		cpu, err := cpuSeconds(int(p))
		if err != nil {
			continue // gone since the query
		}
		if first {
			s.base[int(p)] = cpu
		}
		s.last[int(p)] = cpu
	}
	return nil
}

// run samples every interval until ctx ends.
func (s *backendSampler) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.sample(ctx, false); err != nil && ctx.Err() == nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
			}
		}
	}
}

// total is the CPU seconds the backends used since the first sample, and
// how many backends were seen.
func (s *backendSampler) total() (float64, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum float64
	for pid, cpu := range s.last {
		sum += cpu - s.base[pid]
	}
	return sum, len(s.last), s.err
}

func (s *backendSampler) close() { _ = s.conn.Close(context.Background()) }
