package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// ErrIdempotencyConflict means an Idempotency-Key was used before with a
// different request.
var ErrIdempotencyConflict = errors.New("this Idempotency-Key was used with a different request")

// CatalogUpdate is one bulk change of a supplier's catalog: items to
// create or replace (by SKU) and SKUs to delete.
type CatalogUpdate struct {
	Upsert []domain.CatalogItem
	Delete []string
	// IdempotencyKey (optional) makes a repeat answer the first result
	// without applying the change again; RequestHash tells a repeat from
	// another request under the same key.
	IdempotencyKey, RequestHash string
	// Source names where it came from in logs and history ("api", "feed catalog.csv").
	Source string
}

// CatalogResult is what an update did.
type CatalogResult struct {
	Upserted int `json:"upserted"`
	Deleted  int `json:"deleted"`
	// Released lists the supplier orders that stock now fills, oldest
	// first: they were sent to the supplier.
	Released []string `json:"released"`
	// Replayed is true when the idempotency key matched an earlier request.
	Replayed bool `json:"idempotent_replay,omitempty"`
}

// Catalog applies suppliers' catalog updates and releases the supplier
// orders waiting for stock.
type Catalog struct {
	st   *store.Store
	q    jobs.Queue
	push func(typ string) bool
	log  *slog.Logger
}

// NewCatalog builds the catalog service; push says which channel types
// are pushed (as IngestConfig.PushChannels).
func NewCatalog(st *store.Store, q jobs.Queue, push func(typ string) bool, log *slog.Logger) *Catalog {
	return &Catalog{st: st, q: q, push: push, log: log}
}

// SetQueue gives the service its queue once the queue exists.
func (c *Catalog) SetQueue(q jobs.Queue) { c.q = q }

// Update applies upd to supplier supplierID's catalog and, in the same
// transaction, releases its waiting supplier orders that the new stock
// fills (see Release). Items must have been checked with
// ValidateCatalogItems.
func (c *Catalog) Update(ctx context.Context, supplierID int64, upd CatalogUpdate) (*CatalogResult, error) {
	// Read before the transaction: holding a transaction while taking a
	// second pooled connection can exhaust the pool.
	sup, err := c.st.SupplierByID(ctx, supplierID)
	if err != nil {
		return nil, fmt.Errorf("catalog update: %w", err)
	}
	var res *CatalogResult
	for attempt := 1; ; attempt++ {
		res, err = c.update(ctx, sup, upd)
		// Items are locked in SKU order, but an ingest batch holding one
		// SKU for one order and waiting for another for the next can still
		// deadlock with an update on PostgreSQL: run it again.
		if !store.IsDeadlock(err) || attempt == 3 {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if res.Released == nil {
		res.Released = []string{}
	}
	if !res.Replayed {
		c.log.Info("catalog updated", "supplier", sup.Code, "source", upd.Source, "upserted", res.Upserted,
			"deleted", res.Deleted, "released", res.Released)
	}
	return res, nil
}

// update is one attempt of Update, in one transaction.
func (c *Catalog) update(ctx context.Context, sup *domain.Supplier, upd CatalogUpdate) (*CatalogResult, error) {
	supplierID := sup.ID
	var res *CatalogResult
	err := c.st.InTx(ctx, func(tx store.Tx) error {
		res = &CatalogResult{}
		if upd.IdempotencyKey != "" {
			hash, prev, err := c.st.CatalogUpdateByKey(ctx, tx, supplierID, upd.IdempotencyKey)
			switch {
			case err == nil && hash != upd.RequestHash:
				return ErrIdempotencyConflict
			case err == nil:
				if err := json.Unmarshal(prev, res); err != nil {
					return fmt.Errorf("catalog update replay: %w", err)
				}
				res.Replayed = true
				return nil
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		if err := c.st.UpsertCatalogItems(ctx, tx, supplierID, upd.Upsert); err != nil {
			return err
		}
		n, err := c.st.DeleteCatalogItems(ctx, tx, supplierID, upd.Delete)
		if err != nil {
			return err
		}
		res.Upserted, res.Deleted = len(upd.Upsert), n
		released, params, err := Release(ctx, c.st, tx, sup, c.push)
		if err != nil {
			return err
		}
		res.Released = released
		if upd.IdempotencyKey != "" {
			b, _ := json.Marshal(res)
			if err := c.st.SaveCatalogUpdate(ctx, tx, supplierID, upd.IdempotencyKey, upd.RequestHash, b); err != nil {
				return err
			}
		}
		if len(params) == 0 {
			return nil
		}
		if c.q == nil {
			return errors.New("catalog update: no job queue to dispatch released orders")
		}
		return c.q.InsertTx(ctx, tx, params)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Release sends out, in tx, the supplier's awaiting_stock supplier orders
// that stock can now fill, first come first served: oldest first, each
// taking all its units or none. An order that stock cannot fill keeps its
// place, and its SKUs are held for it: a younger order needing any of
// them waits behind it, even if it would fit. A released order goes back
// to new and gets its order.created deliveries exactly as at ingest, and
// the retailer is told. It returns the released numbers and the jobs to
// insert in tx.
func Release(ctx context.Context, st *store.Store, tx store.Tx, sup *domain.Supplier, push func(string) bool) ([]string, []river.InsertManyParams, error) {
	ids, err := st.AwaitingStock(ctx, tx, sup.ID)
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	var released []string
	var params []river.InsertManyParams
	held := map[string]bool{}
	for _, id := range ids {
		locked, err := st.LockSupplierOrderByID(ctx, tx, id)
		if err != nil {
			return nil, nil, fmt.Errorf("release %d: %w", id, err)
		}
		if locked.Status != domain.StatusAwaitingStock {
			continue // cancelled meanwhile
		}
		so, err := st.SupplierOrderIn(ctx, tx, id)
		if err != nil {
			return nil, nil, fmt.Errorf("release %d: %w", id, err)
		}
		need := stockNeed(so)
		blocked := false
		for sku := range need {
			blocked = blocked || held[sku]
		}
		if !blocked {
			short, err := st.ReserveStock(ctx, tx, sup.ID, so.ID, need)
			if err != nil {
				return nil, nil, err
			}
			blocked = len(short) > 0
		}
		if blocked {
			for sku := range need {
				held[sku] = true
			}
			continue
		}
		retailer, err := st.RetailerOfSupplierOrderIn(ctx, tx, id)
		if err != nil {
			return nil, nil, fmt.Errorf("release %s: retailer: %w", so.Number, err)
		}
		p, _, err := moveByCatalog(ctx, st, tx, locked, ActRelease, "stock arrived: sent to the supplier", retailer)
		if err != nil {
			return nil, nil, err
		}
		params = append(params, p...)
		so.Status = domain.StatusNew
		p, err = createdDeliveries(ctx, st, tx, so, sup, push)
		if err != nil {
			return nil, nil, err
		}
		params = append(params, p...)
		released = append(released, so.Number)
	}
	return released, params, nil
}
