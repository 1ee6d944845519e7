package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

const (
	qUpsertRetailer = `INSERT INTO retailers (code, name, email, time_zone, status_emails, created_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, email = excluded.email, time_zone = excluded.time_zone, status_emails = excluded.status_emails
RETURNING id, created_at`
	retailerCols     = `id, code, name, email, time_zone, status_emails, created_at`
	qDeleteRChannels = `DELETE FROM retailer_channels WHERE retailer_id = $1`
	qInsertRChannel  = `INSERT INTO retailer_channels (retailer_id, name, type, settings) VALUES ($1, $2, $3, $4)`
	qUpsertSupplier  = `INSERT INTO suppliers (code, name, email, commission_bp, created_at, catalog_mode, catalog_price_mismatch, catalog_feed)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, email = excluded.email, commission_bp = excluded.commission_bp,
catalog_mode = excluded.catalog_mode, catalog_price_mismatch = excluded.catalog_price_mismatch, catalog_feed = excluded.catalog_feed
RETURNING id, created_at`
	supplierCols      = `id, code, name, email, commission_bp, created_at, catalog_mode, catalog_price_mismatch, catalog_feed`
	qSupplierByCode   = `SELECT ` + supplierCols + ` FROM suppliers WHERE code = $1`
	qSupplierByID     = `SELECT ` + supplierCols + ` FROM suppliers WHERE id = $1`
	qListSuppliers    = `SELECT ` + supplierCols + ` FROM suppliers ORDER BY code`
	qListRetailers    = `SELECT ` + retailerCols + ` FROM retailers ORDER BY code`
	qDeleteChannels   = `DELETE FROM supplier_channels WHERE supplier_id = $1`
	qInsertChannel    = `INSERT INTO supplier_channels (supplier_id, name, type, settings) VALUES ($1, $2, $3, $4)`
	qChannelsSupplier = `SELECT name, type, settings FROM supplier_channels WHERE supplier_id = $1 ORDER BY name`
)

// UpsertRetailer creates the retailer or updates it by code, replacing
// its channels with r.Channels.
func (s *Store) UpsertRetailer(ctx context.Context, r *domain.Retailer) error {
	if r.TimeZone == "" {
		r.TimeZone = "UTC"
	}
	return s.InTx(ctx, func(tx Tx) error {
		err := tx.QueryRow(ctx, qUpsertRetailer, r.Code, r.Name, r.Email, r.TimeZone, r.StatusEmails, time.Now()).
			Scan(&r.ID, timeCol{&r.CreatedAt})
		if err != nil {
			return fmt.Errorf("upsert retailer %s: %w", r.Code, err)
		}
		return replaceChannels(ctx, tx, qDeleteRChannels, qInsertRChannel, r.ID, r.Channels)
	})
}

// RetailerByCode looks a retailer up by its code, with its channels.
func (s *Store) RetailerByCode(ctx context.Context, code string) (*domain.Retailer, error) {
	return retailerWithChannels(ctx, s.d, qRetailerJoinedByCode, code)
}

// RetailerByID looks a retailer up by id, with its channels.
func (s *Store) RetailerByID(ctx context.Context, id int64) (*domain.Retailer, error) {
	return retailerWithChannels(ctx, s.d, qRetailerJoinedByID, id)
}

// qRetailerJoined reads a retailer and its channels in one statement, one
// row per channel (one with NULL channel columns when it has none): the
// API reads the retailer for every order it takes, and on PostgreSQL each
// statement is a round trip and a backend's parse-bind-execute. One
// statement also reads both in one snapshot.
const (
	// retailerJoinedCols are the columns retailerWithChannels scans, of
	// retailers r and retailer_channels c.
	retailerJoinedCols = `r.id, r.code, r.name, r.email, r.time_zone, r.status_emails, r.created_at, c.name, c.type, c.settings`
	qRetailerJoined    = `SELECT ` + retailerJoinedCols + `
FROM retailers r LEFT JOIN retailer_channels c ON c.retailer_id = r.id WHERE `
	qRetailerJoinedByID   = qRetailerJoined + `r.id = $1 ORDER BY c.name`
	qRetailerJoinedByCode = qRetailerJoined + `r.code = $1 ORDER BY c.name`
)

// retailerWithChannels runs query (a qRetailerJoined) with arg through q:
// the retailer with its channels, or ErrNotFound. A query may select more
// columns before the retailer's, the same on every row: lead receives
// them.
func retailerWithChannels(ctx context.Context, q Querier, query string, arg any, lead ...any) (*domain.Retailer, error) {
	rows, err := q.Query(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("retailer: %w", err)
	}
	defer rows.Close()
	var r *domain.Retailer
	for rows.Next() {
		var (
			x         domain.Retailer
			name, typ *string
			settings  []byte
		)
		dest := append(lead[:len(lead):len(lead)], &x.ID, &x.Code, &x.Name, &x.Email, &x.TimeZone, &x.StatusEmails, timeCol{&x.CreatedAt},
			&name, &typ, jsonCol{&settings})
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if r == nil {
			r = &x
		}
		if name == nil {
			continue // no channels: the LEFT JOIN's one row
		}
		ch := domain.Channel{Name: *name, Settings: settings}
		if typ != nil {
			ch.Type = *typ
		}
		if !json.Valid(ch.Settings) {
			return nil, fmt.Errorf("channel %s: settings are not JSON", ch.Name)
		}
		r.Channels = append(r.Channels, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("retailer: %w", err)
	}
	if r == nil {
		return nil, ErrNotFound
	}
	return r, nil
}

// ListRetailers returns every retailer by code.
func (s *Store) ListRetailers(ctx context.Context) ([]*domain.Retailer, error) {
	rows, err := s.d.Query(ctx, qListRetailers)
	if err != nil {
		return nil, fmt.Errorf("list retailers: %w", err)
	}
	defer rows.Close()
	var out []*domain.Retailer
	for rows.Next() {
		r, err := scanRetailer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanRetailer(row Row) (*domain.Retailer, error) {
	var r domain.Retailer
	if err := row.Scan(&r.ID, &r.Code, &r.Name, &r.Email, &r.TimeZone, &r.StatusEmails, timeCol{&r.CreatedAt}); err != nil {
		return nil, err
	}
	return &r, nil
}

// UpsertSupplier creates the supplier or updates it by code, replacing its
// channels with sup.Channels.
func (s *Store) UpsertSupplier(ctx context.Context, sup *domain.Supplier) error {
	if sup.CommissionBP == 0 {
		sup.CommissionBP = domain.DefaultCommissionBP
	}
	if sup.Catalog.Mode == "" {
		sup.Catalog.Mode = domain.CatalogOff
	}
	if sup.Catalog.PriceMismatch == "" {
		sup.Catalog.PriceMismatch = domain.PriceRefuse
	}
	feed, err := json.Marshal(sup.Catalog.Feed)
	if err != nil {
		return fmt.Errorf("upsert supplier %s: catalog feed: %w", sup.Code, err)
	}
	return s.InTx(ctx, func(tx Tx) error {
		err := tx.QueryRow(ctx, qUpsertSupplier, sup.Code, sup.Name, sup.Email, sup.CommissionBP, time.Now(),
			sup.Catalog.Mode, sup.Catalog.PriceMismatch, string(feed)).
			Scan(&sup.ID, timeCol{&sup.CreatedAt})
		if err != nil {
			return fmt.Errorf("upsert supplier %s: %w", sup.Code, err)
		}
		if err := replaceChannels(ctx, tx, qDeleteChannels, qInsertChannel, sup.ID, sup.Channels); err != nil {
			return fmt.Errorf("upsert supplier %s: %w", sup.Code, err)
		}
		return nil
	})
}

// SupplierByCode looks a supplier up by code, with its channels.
func (s *Store) SupplierByCode(ctx context.Context, code string) (*domain.Supplier, error) {
	return s.supplierWithChannels(ctx, s.d.QueryRow(ctx, qSupplierByCode, code))
}

// SupplierByID looks a supplier up by id, with its channels.
func (s *Store) SupplierByID(ctx context.Context, id int64) (*domain.Supplier, error) {
	return s.supplierWithChannels(ctx, s.d.QueryRow(ctx, qSupplierByID, id))
}

// ListSuppliers returns every supplier with its channels, by code.
func (s *Store) ListSuppliers(ctx context.Context) ([]*domain.Supplier, error) {
	rows, err := s.d.Query(ctx, qListSuppliers)
	if err != nil {
		return nil, fmt.Errorf("list suppliers: %w", err)
	}
	var out []*domain.Supplier
	for rows.Next() {
		sup, err := scanSupplier(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, sup)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, sup := range out {
		if sup.Channels, err = s.channels(ctx, sup.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) supplierWithChannels(ctx context.Context, row Row) (*domain.Supplier, error) {
	sup, err := scanSupplier(row)
	if err != nil {
		return nil, err
	}
	sup.Channels, err = s.channels(ctx, sup.ID)
	return sup, err
}

func scanSupplier(row Row) (*domain.Supplier, error) {
	var sup domain.Supplier
	var feed []byte
	if err := row.Scan(&sup.ID, &sup.Code, &sup.Name, &sup.Email, &sup.CommissionBP, timeCol{&sup.CreatedAt},
		&sup.Catalog.Mode, &sup.Catalog.PriceMismatch, jsonCol{&feed}); err != nil {
		return nil, err
	}
	if len(feed) > 0 {
		if err := json.Unmarshal(feed, &sup.Catalog.Feed); err != nil {
			return nil, fmt.Errorf("supplier %s catalog feed: %w", sup.Code, err)
		}
	}
	return &sup, nil
}

// replaceChannels swaps a party's channels for chs in tx.
func replaceChannels(ctx context.Context, tx Tx, qDelete, qInsert string, ownerID int64, chs []domain.Channel) error {
	if _, err := tx.Exec(ctx, qDelete, ownerID); err != nil {
		return fmt.Errorf("channels: %w", err)
	}
	for _, ch := range chs {
		settings := ch.Settings
		if len(settings) == 0 {
			settings = []byte("{}")
		}
		if _, err := tx.Exec(ctx, qInsert, ownerID, ch.Name, ch.Type, string(settings)); err != nil {
			return fmt.Errorf("channel %s: %w", ch.Name, err)
		}
	}
	return nil
}

func (s *Store) channels(ctx context.Context, supplierID int64) ([]domain.Channel, error) {
	return s.channelsOf(ctx, qChannelsSupplier, supplierID)
}

func (s *Store) channelsOf(ctx context.Context, query string, ownerID int64) ([]domain.Channel, error) {
	rows, err := s.d.Query(ctx, query, ownerID)
	if err != nil {
		return nil, fmt.Errorf("supplier channels: %w", err)
	}
	defer rows.Close()
	var out []domain.Channel
	for rows.Next() {
		var ch domain.Channel
		if err := rows.Scan(&ch.Name, &ch.Type, jsonCol{&ch.Settings}); err != nil {
			return nil, err
		}
		if !json.Valid(ch.Settings) {
			return nil, fmt.Errorf("channel %s: settings are not JSON", ch.Name)
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}
