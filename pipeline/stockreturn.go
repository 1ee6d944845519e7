package pipeline

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// StockReturnArgs is the job that releases a supplier's waiting orders
// after a cancellation gave units back to stock.
type StockReturnArgs struct {
	SupplierID int64 `json:"supplier_id"`
}

// Kind names the job for River.
func (StockReturnArgs) Kind() string { return "stock_return_release" }

// StockReturnWorker releases, first come first served, the supplier
// orders waiting for stock that returned units can now fill (Release, in
// its own transaction: it locks the waiting orders one by one, which the
// cancelling transaction must not do while it holds its own order).
type StockReturnWorker struct {
	river.WorkerDefaults[StockReturnArgs]
	catalog *Catalog
}

// NewStockReturnWorker builds the worker on the catalog service.
func NewStockReturnWorker(c *Catalog) *StockReturnWorker { return &StockReturnWorker{catalog: c} }

// Work releases what the returned stock fills.
func (w *StockReturnWorker) Work(ctx context.Context, job *river.Job[StockReturnArgs]) error {
	_, err := w.catalog.Update(ctx, job.Args.SupplierID, CatalogUpdate{Source: "stock returned by a cancellation"})
	return err
}

// returnCancelledStock gives back to stock, in tx, the units a retailer's
// cancellation took off supplier order so (units by SKU; nil: all it
// holds) and, when any went back, queues the release of the supplier's
// waiting orders. Only the retailer's cancellations return stock: when a
// supplier rejects or cancels, the units may well not exist, and its next
// catalog update says what it has.
func returnCancelledStock(ctx context.Context, st *store.Store, tx store.Tx, so *store.LockedSupplierOrder, units map[string]int) ([]river.InsertManyParams, error) {
	n, err := st.ReturnStock(ctx, tx, so.SupplierID, so.ID, units)
	if err != nil {
		return nil, fmt.Errorf("cancellation of %s: %w", so.Number, err)
	}
	if n == 0 {
		return nil, nil
	}
	return []river.InsertManyParams{{Args: StockReturnArgs{SupplierID: so.SupplierID}}}, nil
}

// cancelledUnits is, by SKU, how many units moved to cancelled between
// before and after (the same lines, in the same order).
func cancelledUnits(before, after []domain.Line) map[string]int {
	out := map[string]int{}
	for i := range after {
		if i < len(before) {
			if d := after[i].CancelledQty - before[i].CancelledQty; d > 0 {
				out[after[i].SKU] += d
			}
		}
	}
	return out
}
