package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Ingest writes a batch of orders with multi-row INSERTs: one statement per
// table and chunk instead of one per row. On PostgreSQL every statement is
// a round trip, on SQLite a call through database/sql on the one write
// connection; per row they were most of ingest's cost.

// bulkMarker starts the text of every multi-row statement. Their row counts
// come in a few fixed shapes (bulkChunks), so the SQLite statement cache
// keeps them despite their many parameters (see stmtConn.acquire).
const bulkMarker = "/*bulk*/ "

// bulkMaxRows caps the rows of one statement: 256 rows of the widest table
// (orders, 14 parameters) stay far below SQLite's 32,766 bound parameters
// and PostgreSQL's 65,535.
const bulkMaxRows = 256

// bulkExactRows is the most rows that go in one statement of exactly
// their number; a group-committed batch is usually that small.
const bulkExactRows = 16

// bulkChunks splits n rows into chunks, largest first: chunks of a power
// of two rows (at most bulkMaxRows) while more than bulkExactRows are
// left, then one of the rest. Each table then has at most 20 statement
// texts (1 to 16, 32, 64, 128 and 256 rows), which the statement caches
// of both drivers keep.
func bulkChunks(n int) []int {
	var out []int
	for n > bulkExactRows {
		c := bulkMaxRows
		for c > n {
			c /= 2
		}
		out = append(out, c)
		n -= c
	}
	if n > 0 {
		out = append(out, n)
	}
	return out
}

// bulkStmt is a multi-row INSERT: head, then rows of the row template
// (placeholders $1..$nargs, renumbered per row), then tail.
type bulkStmt struct {
	head, row, tail string
	nargs           int
}

// textKey names a statement text a Store built once and keeps (Store.texts):
// a bulk statement's (stmt) or OrderRefs' (nil stmt) for rows rows, on the
// Store's database kind.
type textKey struct {
	stmt *bulkStmt
	rows int
}

// text is the statement of b for rows rows, built once per shape.
func (s *Store) text(b *bulkStmt, rows int) string {
	return s.builtText(textKey{b, rows}, func() string { return b.text(s.Kind(), rows) })
}

// builtText is the text under key, built by build the first time.
func (s *Store) builtText(key textKey, build func() string) string {
	if q, ok := s.texts.Load(key); ok {
		return q.(string)
	}
	q, _ := s.texts.LoadOrStore(key, build())
	return q.(string)
}

// text builds the statement for rows rows on a database of kind. SQLite
// gets bare ? placeholders: each ?NNN is looked up by number in a list
// when binding (sqlite3_bind_parameter_name), which makes binding
// thousands of them quadratic; bare ones bind in order, which is why a
// row template uses each of its placeholders once, in order.
func (b *bulkStmt) text(kind string, rows int) string {
	var sb strings.Builder
	sb.WriteString(bulkMarker)
	sb.WriteString(b.head)
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		next := 1
		for i := 0; i < len(b.row); i++ {
			if b.row[i] != '$' {
				sb.WriteByte(b.row[i])
				continue
			}
			n := 0
			for i+1 < len(b.row) && b.row[i+1] >= '0' && b.row[i+1] <= '9' {
				i++
				n = n*10 + int(b.row[i]-'0')
			}
			if n != next {
				panic(fmt.Sprintf("bulk row %q: placeholder $%d out of order", b.row, n))
			}
			next++
			if kind == KindSQLite {
				sb.WriteByte('?')
				continue
			}
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(r*b.nargs + n))
		}
		if next != b.nargs+1 {
			panic(fmt.Sprintf("bulk row %q: %d placeholders, want %d", b.row, next-1, b.nargs))
		}
	}
	sb.WriteString(b.tail)
	return sb.String()
}

// run inserts the rows of args (nargs values each) in chunks, in tx on
// s's database; scan, when not nil, reads each row the statement returns.
// Without scan the statements may be sent with tx's next one (execLater):
// their errors come back from it, and args must not change until then.
func (b *bulkStmt) run(ctx context.Context, s *Store, tx Tx, args []any, scan func(Rows) error) error {
	rows := len(args) / b.nargs
	for _, n := range bulkChunks(rows) {
		chunk := args[:n*b.nargs]
		args = args[n*b.nargs:]
		if scan == nil {
			// Nothing reads the result: on PostgreSQL it goes with the
			// transaction's next statement.
			if err := execLater(ctx, tx, s.text(b, n), chunk...); err != nil {
				return err
			}
			continue
		}
		rs, err := tx.Query(ctx, s.text(b, n), chunk...)
		if err != nil {
			return err
		}
		for rs.Next() {
			if err = scan(rs); err != nil {
				break
			}
		}
		rs.Close()
		if err == nil {
			err = rs.Err()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// The inserts of orders, supplier orders, lines, accruals and deliveries,
// one row or many (the one-row store functions call the bulk ones).
// RETURNING names the key of each row: SQLite documents the order of
// RETURNING rows as arbitrary, so rows are matched by key, never by
// position. ON CONFLICT DO NOTHING makes a concurrent duplicate order on
// another replica wait for the first commit and then return no row,
// instead of aborting the whole batch transaction; a delivery is unique
// per (supplier order, channel, event), so asking for it twice returns
// the existing one and a repeated event keeps its id (receivers
// deduplicate on it).
var (
	bulkOrders = &bulkStmt{
		head: `INSERT INTO orders (retailer_id, external_id, request_hash, placed_at, currency, customer,
shipping_address, notes, status, item_total, shipping_total, created_at, updated_at, status_token) VALUES `,
		row:   `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		tail:  ` ON CONFLICT (retailer_id, external_id) DO NOTHING RETURNING id, retailer_id, external_id`,
		nargs: 14,
	}
	bulkSupplierOrders = &bulkStmt{
		head: `INSERT INTO supplier_orders (order_id, supplier_id, number, status, item_total, shipping,
commission_bp, commission, payout, version, created_at, updated_at) VALUES `,
		row:   `($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11)`,
		tail:  ` RETURNING id, number`,
		nargs: 11,
	}
	bulkLines = &bulkStmt{
		head:  `INSERT INTO order_lines (supplier_order_id, position, sku, name, options, quantity, unit_price, discount, total, catalog_flag) VALUES `,
		row:   `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		tail:  ` RETURNING id, supplier_order_id, position`,
		nargs: 10,
	}
	bulkAccruals = &bulkStmt{
		head:  `INSERT INTO commission_ledger (supplier_id, retailer_id, supplier_order_id, month, kind, currency, item_total, shipping, commission, payout, created_at) VALUES `,
		row:   `($1, $2, $3, $4, 'accrual', $5, $6, $7, $8, $9, $10)`,
		tail:  ` ON CONFLICT (supplier_order_id, kind, event_id, line_position) DO NOTHING`,
		nargs: 10,
	}
	bulkDeliveries = &bulkStmt{
		head:  `INSERT INTO deliveries (supplier_order_id, supplier_id, channel, kind, event, status, created_at, updated_at, snapshot) VALUES `,
		row:   `($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		tail:  ` ON CONFLICT (supplier_order_id, channel, event) DO NOTHING RETURNING id, supplier_order_id, channel, event`,
		nargs: 9,
	}
)

type orderKey struct {
	retailerID int64
	externalID string
}

type lineKey struct {
	supplierOrderID int64
	position        int
}

type deliveryKey struct {
	supplierOrderID int64
	channel, event  string
}

// InsertOrders stores orders in a few statements (InsertOrder is one): it
// stores each order with its supplier orders and lines and reports which
// were inserted. An order is not inserted, and nothing of it stored, when
// its retailer already has one with its external id — also one earlier in
// orders.
func (s *Store) InsertOrders(ctx context.Context, tx Tx, orders []*domain.Order, number func(order, supplier string) string) (inserted []bool, err error) {
	inserted = make([]bool, len(orders))
	byKey := make(map[orderKey]int, len(orders))
	args := make([]any, 0, len(orders)*bulkOrders.nargs)
	for i, o := range orders {
		k := orderKey{o.RetailerID, o.Header.ExternalID}
		if _, dup := byKey[k]; dup {
			continue
		}
		byKey[k] = i
		if o.CreatedAt.IsZero() {
			now := time.Now().UTC()
			o.CreatedAt, o.UpdatedAt = now, now
		}
		if o.StatusToken == "" {
			o.StatusToken = NewStatusToken()
		}
		customer, _ := json.Marshal(o.Header.Customer)
		addr, _ := json.Marshal(o.Header.ShippingAddress)
		args = append(args, o.RetailerID, o.Header.ExternalID, o.RequestHash, o.Header.PlacedAt, o.Header.Currency,
			string(customer), string(addr), o.Header.Notes, o.Status, int64(o.ItemTotal), int64(o.Shipping), o.CreatedAt,
			o.CreatedAt, o.StatusToken)
	}
	err = bulkOrders.run(ctx, s, tx, args, func(rs Rows) error {
		var id int64
		var k orderKey
		if err := rs.Scan(&id, &k.retailerID, &k.externalID); err != nil {
			return err
		}
		i, ok := byKey[k]
		if !ok {
			return fmt.Errorf("returned order %d of an unknown key", id)
		}
		orders[i].ID, inserted[i] = id, true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insert orders: %w", err)
	}

	var sos []*domain.SupplierOrder
	args = args[:0]
	for i, o := range orders {
		if !inserted[i] {
			continue
		}
		o.Header.Number = strconv.FormatInt(o.ID, 10)
		for j := range o.Suppliers {
			so := &o.Suppliers[j]
			so.ID = 0
			so.OrderID = o.ID
			so.Number = number(o.Header.Number, so.Supplier)
			so.Order = o.Header
			so.Version = 1
			so.CreatedAt, so.UpdatedAt = o.CreatedAt, o.CreatedAt
			sos = append(sos, so)
			args = append(args, o.ID, so.SupplierID, so.Number, so.Status, int64(so.ItemTotal), int64(so.Shipping),
				so.CommissionBP, int64(so.Commission), int64(so.Payout), o.CreatedAt, o.CreatedAt)
		}
	}
	soByNumber := make(map[string]*domain.SupplierOrder, len(sos))
	for _, so := range sos {
		soByNumber[so.Number] = so
	}
	err = bulkSupplierOrders.run(ctx, s, tx, args, func(rs Rows) error {
		var id int64
		var num string
		if err := rs.Scan(&id, &num); err != nil {
			return err
		}
		so, ok := soByNumber[num]
		if !ok {
			return fmt.Errorf("returned supplier order %q of an unknown number", num)
		}
		so.ID = id
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insert supplier orders: %w", err)
	}

	args = args[:0]
	lines := map[lineKey]*domain.Line{}
	for _, so := range sos {
		if so.ID == 0 {
			// Numbers are unique in the table, so a second supplier order
			// with one failed above; this guards the key mapping.
			return nil, fmt.Errorf("insert supplier order %s: no id returned", so.Number)
		}
		for j := range so.Lines {
			l := &so.Lines[j]
			k := lineKey{so.ID, l.Position}
			if lines[k] != nil {
				return nil, fmt.Errorf("insert lines of %s: position %d twice", so.Number, l.Position)
			}
			lines[k] = l
			l.ID = 0
			if l.Status == "" {
				l.Status = domain.LineOpen // the column's default, so the created snapshot says what a read says
			}
			opts, _ := json.Marshal(l.Options)
			if l.Options == nil {
				opts = []byte("{}")
			}
			args = append(args, so.ID, l.Position, l.SKU, l.Name, string(opts), l.Quantity,
				int64(l.UnitPrice), int64(l.Discount), int64(l.Total), l.CatalogFlag)
		}
	}
	err = bulkLines.run(ctx, s, tx, args, func(rs Rows) error {
		var id int64
		var k lineKey
		if err := rs.Scan(&id, &k.supplierOrderID, &k.position); err != nil {
			return err
		}
		l, ok := lines[k]
		if !ok {
			return fmt.Errorf("returned line %d of an unknown key", id)
		}
		l.ID = id
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insert order lines: %w", err)
	}
	for k, l := range lines {
		if l.ID == 0 {
			return nil, fmt.Errorf("insert line %d of supplier order %d: no id returned", k.position, k.supplierOrderID)
		}
	}
	return inserted, nil
}

// Accrual is the commission a new supplier order accrues (the arguments
// of AccrueCommission).
type Accrual struct {
	RetailerID    int64
	SupplierOrder *domain.SupplierOrder
	Currency      string
	At            time.Time
}

// AccrueCommissions records the accruals of new supplier orders in a few
// statements (AccrueCommission is one); a repeated accrual is ignored.
func (s *Store) AccrueCommissions(ctx context.Context, tx Tx, accruals []Accrual) error {
	args := make([]any, 0, len(accruals)*bulkAccruals.nargs)
	for _, a := range accruals {
		so := a.SupplierOrder
		args = append(args, so.SupplierID, a.RetailerID, so.ID, LedgerMonth(a.At), a.Currency, int64(so.ItemTotal),
			int64(so.Shipping), int64(so.Commission), int64(so.Payout), a.At)
	}
	if err := bulkAccruals.run(ctx, s, tx, args, nil); err != nil {
		return fmt.Errorf("accrue commissions: %w", err)
	}
	return nil
}

// InsertDeliveries stores deliveries in a few statements (InsertDelivery
// is one): each d.ID is set, and created says which were new; one that
// existed already (or comes twice in ds) is loaded instead.
func (s *Store) InsertDeliveries(ctx context.Context, tx Tx, ds []*domain.Delivery) (created []bool, err error) {
	now := time.Now().UTC()
	created = make([]bool, len(ds))
	byKey := make(map[deliveryKey]int, len(ds))
	args := make([]any, 0, len(ds)*bulkDeliveries.nargs)
	for i, d := range ds {
		k := deliveryKey{d.SupplierOrderID, d.Channel, d.Event}
		if _, dup := byKey[k]; dup {
			continue
		}
		byKey[k] = i
		if d.Status == "" {
			d.Status = domain.DeliveryPending
		}
		var snap any
		if len(d.Snapshot) > 0 {
			snap = string(d.Snapshot)
		}
		args = append(args, d.SupplierOrderID, d.SupplierID, d.Channel, d.Kind, d.Event, d.Status, now, now, snap)
	}
	err = bulkDeliveries.run(ctx, s, tx, args, func(rs Rows) error {
		var id int64
		var k deliveryKey
		if err := rs.Scan(&id, &k.supplierOrderID, &k.channel, &k.event); err != nil {
			return err
		}
		i, ok := byKey[k]
		if !ok {
			return fmt.Errorf("returned delivery %d of an unknown key", id)
		}
		ds[i].ID, created[i] = id, true
		ds[i].CreatedAt, ds[i].UpdatedAt = now, now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	for i, d := range ds {
		if created[i] {
			continue
		}
		got, err := scanDelivery(tx.QueryRow(ctx, qDeliveryByKey, d.SupplierOrderID, d.Channel, d.Event))
		if err != nil {
			return nil, fmt.Errorf("existing delivery: %w", err)
		}
		*d = *got
	}
	return created, nil
}

// OrderID is an order's id and the hash of the request that created it.
type OrderID struct {
	ID          int64
	RequestHash string
}

// lookupText selects the orders of one retailer among n external ids.
func lookupText(kind string, n int) string {
	var sb strings.Builder
	sb.WriteString(bulkMarker + `SELECT external_id, id, request_hash FROM orders WHERE retailer_id = `)
	// Bare ? on SQLite, as in bulkStmt.text.
	mark := func(i int) string {
		if kind == KindSQLite {
			return "?"
		}
		return "$" + strconv.Itoa(i)
	}
	sb.WriteString(mark(1))
	sb.WriteString(` AND external_id IN (`)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(mark(i + 2))
	}
	sb.WriteByte(')')
	return sb.String()
}

// OrderRefs is OrderRef for many external ids of one retailer, in one
// statement per chunk (see bulkChunks): the orders found, by external id.
func (s *Store) OrderRefs(ctx context.Context, q Querier, retailerID int64, externalIDs []string) (map[string]OrderID, error) {
	out := map[string]OrderID{}
	for _, n := range bulkChunks(len(externalIDs)) {
		args := make([]any, 0, n+1)
		args = append(args, retailerID)
		for _, ext := range externalIDs[:n] {
			args = append(args, ext)
		}
		externalIDs = externalIDs[n:]
		rows, err := q.Query(ctx, s.builtText(textKey{nil, n}, func() string { return lookupText(s.Kind(), n) }), args...)
		if err != nil {
			return nil, fmt.Errorf("order refs: %w", err)
		}
		for rows.Next() {
			var ext string
			var ref OrderID
			if err = rows.Scan(&ext, &ref.ID, &ref.RequestHash); err != nil {
				break
			}
			out[ext] = ref
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return nil, fmt.Errorf("order refs: %w", err)
		}
	}
	return out, nil
}
