package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

const (
	qOrderRef = `SELECT id, request_hash FROM orders WHERE retailer_id = $1 AND external_id = $2`
	orderCols = `o.id, o.retailer_id, r.code, o.external_id, o.request_hash, o.placed_at, o.currency, o.customer,
o.shipping_address, o.notes, o.status, o.item_total, o.shipping_total, o.created_at, o.updated_at, COALESCE(o.status_token, '')`
	qOrderByID     = `SELECT ` + orderCols + ` FROM orders o JOIN retailers r ON r.id = o.retailer_id WHERE o.id = $1 AND o.retailer_id = $2`
	qListOrdersFwd = `SELECT ` + orderCols + ` FROM orders o JOIN retailers r ON r.id = o.retailer_id
WHERE o.retailer_id = $1 AND o.created_at >= $2 AND o.created_at < $3 AND (o.created_at > $4 OR (o.created_at = $4 AND o.id > $5))
ORDER BY o.created_at, o.id LIMIT $6`

	soCols = `so.id, so.order_id, so.supplier_id, s.code, so.number, so.status, so.item_total, so.shipping,
so.commission_bp, so.commission, so.payout, so.version, so.created_at, so.updated_at, so.retrieved_at`
	qSupplierOrdersOf = `SELECT ` + soCols + ` FROM supplier_orders so JOIN suppliers s ON s.id = so.supplier_id
WHERE so.order_id IN (%s) ORDER BY so.order_id, s.code`
	qOrderHeader       = `SELECT ` + orderCols + ` FROM orders o JOIN retailers r ON r.id = o.retailer_id WHERE o.id = $1`
	qSupplierOrderByID = `SELECT ` + soCols + ` FROM supplier_orders so JOIN suppliers s ON s.id = so.supplier_id WHERE so.id = $1`
	qLinesOf           = `SELECT id, supplier_order_id, position, sku, name, options, quantity, unit_price, discount, total, catalog_flag,
status, accepted_qty, cancelled_qty, shipped_qty, expected_date, reason_code, reason
FROM order_lines WHERE supplier_order_id IN (%s) ORDER BY supplier_order_id, position`
	qMarkDispatched = `UPDATE supplier_orders SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1 AND status = $4`
)

// OrderRef finds a retailer's order by external id: its id and the hash of
// the request that created it.
func (s *Store) OrderRef(ctx context.Context, q Querier, retailerID int64, externalID string) (id int64, hash string, err error) {
	err = q.QueryRow(ctx, qOrderRef, retailerID, externalID).Scan(&id, &hash)
	return id, hash, err
}

// InsertOrder stores o and its supplier orders and lines in tx, numbering
// the supplier orders with number(orderNumber, supplierCode). It returns
// inserted=false, storing nothing, when the retailer already has an order
// with that external id.
func (s *Store) InsertOrder(ctx context.Context, tx Tx, o *domain.Order, number func(order, supplier string) string) (inserted bool, err error) {
	done, err := s.InsertOrders(ctx, tx, []*domain.Order{o}, number)
	if err != nil {
		return false, err
	}
	return done[0], nil
}

// OrderByID returns a retailer's order with its supplier orders, or
// ErrNotFound — also when the order belongs to another retailer.
func (s *Store) OrderByID(ctx context.Context, q Querier, retailerID, id int64) (*domain.Order, error) {
	if q == nil {
		q = s.d
	}
	o, err := scanOrder(q.QueryRow(ctx, qOrderByID, id, retailerID))
	if err != nil {
		return nil, err
	}
	if err := s.attachSupplierOrders(ctx, q, []*domain.Order{o}); err != nil {
		return nil, err
	}
	return o, nil
}

// OrderPage selects a page of a retailer's orders created in [From, To),
// after the (AfterTime, AfterID) cursor.
type OrderPage struct {
	RetailerID int64
	From, To   time.Time
	AfterTime  time.Time
	AfterID    int64
	Limit      int
}

// ListOrders returns one page of a retailer's orders in (created_at, id) order.
func (s *Store) ListOrders(ctx context.Context, p OrderPage) ([]*domain.Order, error) {
	after := p.AfterTime
	if after.IsZero() {
		after = p.From
	}
	rows, err := s.d.Query(ctx, qListOrdersFwd, p.RetailerID, p.From, p.To, after, p.AfterID, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	var out []*domain.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return out, s.attachSupplierOrders(ctx, s.d, out)
}

func scanOrder(row Row) (*domain.Order, error) {
	var x orderScan
	if err := row.Scan(x.dest()...); err != nil {
		return nil, err
	}
	return x.finish()
}

// orderScan receives the orderCols of one row; finish decodes them. It
// lets a query that selects orderCols after other columns (the supplier
// page) scan them in the same row.
type orderScan struct {
	o              domain.Order
	customer, addr []byte
	item, ship     int64
}

func (x *orderScan) dest() []any {
	o := &x.o
	return []any{&o.ID, &o.RetailerID, &o.Header.Retailer, &o.Header.ExternalID, &o.RequestHash, timeCol{&o.Header.PlacedAt},
		&o.Header.Currency, jsonCol{&x.customer}, jsonCol{&x.addr}, &o.Header.Notes, &o.Status, &x.item, &x.ship,
		timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt}, &o.StatusToken}
}

func (x *orderScan) finish() (*domain.Order, error) {
	if err := x.decode(); err != nil {
		return nil, err
	}
	o := x.o
	return &o, nil
}

// decode completes x.o in place: its customer and address, number and
// totals.
func (x *orderScan) decode() error {
	o := &x.o
	if err := decodeCustomer(x.customer, &o.Header.Customer); err != nil {
		return fmt.Errorf("order %d customer: %w", o.ID, err)
	}
	if err := decodeAddress(x.addr, &o.Header.ShippingAddress); err != nil {
		return fmt.Errorf("order %d address: %w", o.ID, err)
	}
	o.Header.Number = strconv.FormatInt(o.ID, 10)
	o.ItemTotal, o.Shipping = domain.Money(x.item), domain.Money(x.ship)
	o.Total = o.ItemTotal + o.Shipping
	return nil
}

func (s *Store) attachSupplierOrders(ctx context.Context, q Querier, orders []*domain.Order) error {
	if len(orders) == 0 {
		return nil
	}
	byID := make(map[int64]*domain.Order, len(orders))
	ids := make([]int64, 0, len(orders))
	for _, o := range orders {
		byID[o.ID] = o
		ids = append(ids, o.ID)
	}
	list, args := s.idList(ids)
	sos, err := s.querySupplierOrders(ctx, q, fmt.Sprintf(qSupplierOrdersOf, list), args...)
	if err != nil {
		return err
	}
	for _, so := range sos {
		o := byID[so.OrderID]
		so.Order = o.Header
		o.Suppliers = append(o.Suppliers, *so)
	}
	return nil
}

// SupplierOrderByID loads one supplier order with its lines and order header.
func (s *Store) SupplierOrderByID(ctx context.Context, id int64) (*domain.SupplierOrder, error) {
	return s.SupplierOrderIn(ctx, s.d, id)
}

// SupplierOrderIn is SupplierOrderByID read through q (a transaction, to
// see the transaction's own changes).
func (s *Store) SupplierOrderIn(ctx context.Context, q Querier, id int64) (*domain.SupplierOrder, error) {
	sos, err := s.querySupplierOrders(ctx, q, qSupplierOrderByID, id)
	if err != nil {
		return nil, err
	}
	if len(sos) == 0 {
		return nil, ErrNotFound
	}
	so := sos[0]
	o, err := scanOrder(q.QueryRow(ctx, qOrderHeader, so.OrderID))
	if err != nil {
		return nil, fmt.Errorf("supplier order %d header: %w", id, err)
	}
	so.Order = o.Header
	return so, nil
}

func (s *Store) querySupplierOrders(ctx context.Context, q Querier, query string, args ...any) ([]*domain.SupplierOrder, error) {
	return s.querySupplierOrdersWith(ctx, q, false, query, args...)
}

// querySupplierOrdersWith is querySupplierOrders for a query that selects
// soCols, then orderCols when withHeader is set: each supplier order then
// gets its order header from the same row.
func (s *Store) querySupplierOrdersWith(ctx context.Context, q Querier, withHeader bool, query string, args ...any) ([]*domain.SupplierOrder, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("supplier orders: %w", err)
	}
	var out []*domain.SupplierOrder
	byID := map[int64]*domain.SupplierOrder{}
	var so domain.SupplierOrder
	var item, ship, comm, pay int64
	var hdr orderScan
	dest := []any{&so.ID, &so.OrderID, &so.SupplierID, &so.Supplier, &so.Number, &so.Status, &item, &ship,
		&so.CommissionBP, &comm, &pay, &so.Version, timeCol{&so.CreatedAt}, timeCol{&so.UpdatedAt}, nullTimeCol{&so.RetrievedAt}}
	if withHeader {
		dest = append(dest, hdr.dest()...)
	}
	for rows.Next() {
		// hdr keeps its JSON buffers: finish copies out of them.
		so, hdr.o = domain.SupplierOrder{}, domain.Order{}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("supplier orders: %w", err)
		}
		so.ItemTotal, so.Shipping, so.Commission, so.Payout = domain.Money(item), domain.Money(ship), domain.Money(comm), domain.Money(pay)
		if withHeader {
			if err := hdr.decode(); err != nil {
				rows.Close()
				return nil, fmt.Errorf("supplier order %s: %w", so.Number, err)
			}
			so.Order = hdr.o.Header
		}
		sp := new(domain.SupplierOrder)
		*sp = so
		out = append(out, sp)
		byID[sp.ID] = sp
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, 0, len(out))
	for _, so := range out {
		ids = append(ids, so.ID)
	}
	list, args := s.idList(ids)
	lrows, err := q.Query(ctx, fmt.Sprintf(qLinesOf, list), args...)
	if err != nil {
		return nil, fmt.Errorf("order lines: %w", err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var l domain.Line
		var soID, price, disc, total int64
		var opts []byte
		if err := lrows.Scan(&l.ID, &soID, &l.Position, &l.SKU, &l.Name, jsonCol{&opts}, &l.Quantity, &price, &disc, &total, &l.CatalogFlag,
			&l.Status, &l.AcceptedQty, &l.CancelledQty, &l.ShippedQty, &l.ExpectedDate, &l.ReasonCode, &l.Reason); err != nil {
			return nil, fmt.Errorf("order lines: %w", err)
		}
		if len(opts) > 2 {
			if err := decodeOptions(opts, &l.Options); err != nil {
				return nil, fmt.Errorf("line %d options: %w", l.ID, err)
			}
		}
		l.UnitPrice, l.Discount, l.Total = domain.Money(price), domain.Money(disc), domain.Money(total)
		so := byID[soID]
		l.Supplier = so.Supplier
		so.Lines = append(so.Lines, l)
	}
	return out, lrows.Err()
}

// MarkSupplierOrder moves a supplier order from one status to another,
// bumping its version; it reports false when it was not in from.
func (s *Store) MarkSupplierOrder(ctx context.Context, q Querier, id int64, from, to string) (bool, error) {
	if q == nil {
		q = s.d
	}
	n, err := q.Exec(ctx, qMarkDispatched, id, to, time.Now(), from)
	if err != nil {
		return false, fmt.Errorf("mark supplier order %d %s: %w", id, to, err)
	}
	return n > 0, nil
}

func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}
