package store

import (
	"context"
	"fmt"
	"time"
)

// Endpoint is the health of one supplier channel.
type Endpoint struct {
	SupplierID     int64
	Supplier       string
	Channel        string
	FailingSince   *time.Time
	DisabledAt     *time.Time
	DisabledReason string
}

const (
	qEndpoint = `SELECT e.supplier_id, s.code, e.channel, e.failing_since, e.disabled_at, e.disabled_reason
FROM endpoints e JOIN suppliers s ON s.id = e.supplier_id`
	qEndpointOne  = qEndpoint + ` WHERE e.supplier_id = $1 AND e.channel = $2`
	qEndpointFail = `INSERT INTO endpoints (supplier_id, channel, failing_since) VALUES ($1, $2, $3)
ON CONFLICT (supplier_id, channel) DO UPDATE SET failing_since = COALESCE(endpoints.failing_since, excluded.failing_since)
RETURNING failing_since`
	qEndpointOK = `UPDATE endpoints SET failing_since = NULL WHERE supplier_id = $1 AND channel = $2 AND failing_since IS NOT NULL`
	// A row is written only when the endpoint was not disabled already,
	// so the row count says whether this call disabled it.
	qEndpointDisable = `INSERT INTO endpoints (supplier_id, channel, disabled_at, disabled_reason) VALUES ($1, $2, $3, $4)
ON CONFLICT (supplier_id, channel) DO UPDATE SET disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason
WHERE endpoints.disabled_at IS NULL`
	qEndpointEnable = `UPDATE endpoints SET disabled_at = NULL, disabled_reason = '', failing_since = NULL WHERE supplier_id = $1 AND channel = $2`
)

// EndpointState returns an endpoint's health (a healthy zero value when
// nothing was ever recorded).
func (s *Store) EndpointState(ctx context.Context, supplierID int64, channel string) (*Endpoint, error) {
	e, err := scanEndpoint(s.d.QueryRow(ctx, qEndpointOne, supplierID, channel))
	if err == ErrNotFound {
		return &Endpoint{SupplierID: supplierID, Channel: channel}, nil
	}
	return e, err
}

// ListEndpoints returns every endpoint with recorded health.
func (s *Store) ListEndpoints(ctx context.Context) ([]*Endpoint, error) {
	rows, err := s.d.Query(ctx, qEndpoint+` ORDER BY s.code, e.channel`)
	if err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	defer rows.Close()
	var out []*Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanEndpoint(row Row) (*Endpoint, error) {
	var e Endpoint
	if err := row.Scan(&e.SupplierID, &e.Supplier, &e.Channel, nullTimeCol{&e.FailingSince}, nullTimeCol{&e.DisabledAt}, &e.DisabledReason); err != nil {
		return nil, err
	}
	return &e, nil
}

// EndpointFailed records a failure and returns since when the endpoint has
// been failing without a success.
func (s *Store) EndpointFailed(ctx context.Context, supplierID int64, channel string, now time.Time) (time.Time, error) {
	var since time.Time
	err := s.write().QueryRow(ctx, qEndpointFail, supplierID, channel, now).Scan(timeCol{&since})
	if err != nil {
		return time.Time{}, fmt.Errorf("endpoint failed: %w", err)
	}
	return since, nil
}

// EndpointSucceeded clears the failing streak.
func (s *Store) EndpointSucceeded(ctx context.Context, supplierID int64, channel string) error {
	if _, err := s.d.Exec(ctx, qEndpointOK, supplierID, channel); err != nil {
		return fmt.Errorf("endpoint succeeded: %w", err)
	}
	return nil
}

// DisableEndpoint stops deliveries to an endpoint until EnableEndpoint;
// it reports whether this call disabled it (false if it already was).
func (s *Store) DisableEndpoint(ctx context.Context, supplierID int64, channel, reason string) (bool, error) {
	return s.DisableEndpointIn(ctx, s.d, supplierID, channel, reason)
}

// DisableEndpointIn is DisableEndpoint through q (a transaction, for work
// that must commit with it). It is one statement, so of two concurrent
// callers exactly one sees that it disabled the endpoint.
func (s *Store) DisableEndpointIn(ctx context.Context, q Querier, supplierID int64, channel, reason string) (bool, error) {
	n, err := q.Exec(ctx, qEndpointDisable, supplierID, channel, time.Now(), reason)
	if err != nil {
		return false, fmt.Errorf("disable endpoint: %w", err)
	}
	return n == 1, nil
}

// EnableEndpoint lets deliveries to an endpoint flow again.
func (s *Store) EnableEndpoint(ctx context.Context, supplierID int64, channel string) error {
	if _, err := s.d.Exec(ctx, qEndpointEnable, supplierID, channel); err != nil {
		return fmt.Errorf("enable endpoint: %w", err)
	}
	return nil
}
