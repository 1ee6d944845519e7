package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// A retailer's notifications are the deliveries on its own channels
// ("retailer/<name>") about supplier orders of its orders; the scope is in
// the join.
const (
	retailerDelivFrom = ` FROM deliveries WHERE deliveries.channel LIKE 'retailer/%' AND deliveries.supplier_order_id IN
(SELECT rso.id FROM supplier_orders rso JOIN orders ro ON ro.id = rso.order_id WHERE ro.retailer_id = $1)`
	qRetailerDeliveries = `SELECT ` + deliveryCols + retailerDelivFrom + ` AND ($2 = '' OR deliveries.channel = $2)
AND ($3 = 0 OR deliveries.id < $3) ORDER BY deliveries.id DESC LIMIT $4`
	qRetailerDelivery = `SELECT ` + deliveryCols + retailerDelivFrom + ` AND deliveries.id = $2`
)

// RetailerDeliveries lists the notifications owed to a retailer, newest
// first, optionally on one channel ("retailer/hooks"), from the one
// before beforeID (0: the newest). Paging by id, not offset, keeps a page
// cheap however far back it is and stable while new ones arrive.
func (s *Store) RetailerDeliveries(ctx context.Context, retailerID int64, channel string, beforeID int64, limit int) ([]*domain.Delivery, error) {
	return s.queryDeliveries(ctx, "retailer deliveries", qRetailerDeliveries, retailerID, channel, beforeID, limit)
}

// RetailerDelivery loads one notification of the retailer, or ErrNotFound
// when it is not the retailer's.
func (s *Store) RetailerDelivery(ctx context.Context, retailerID, id int64) (*domain.Delivery, error) {
	d, err := scanDelivery(s.d.QueryRow(ctx, qRetailerDelivery, retailerID, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("retailer delivery %d: %w", id, err)
	}
	return d, err
}
