-- Times are INTEGER microseconds since the Unix epoch, UTC.
CREATE TABLE retailers (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT '',
    time_zone   TEXT NOT NULL DEFAULT 'UTC',
    created_at  INTEGER NOT NULL
);

CREATE TABLE suppliers (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    commission_bp INTEGER NOT NULL DEFAULT 220,
    created_at    INTEGER NOT NULL
);

CREATE TABLE supplier_channels (
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (supplier_id, name)
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    key_hash     TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    role         TEXT NOT NULL,
    retailer_id  INTEGER REFERENCES retailers(id) ON DELETE CASCADE,
    supplier_id  INTEGER REFERENCES suppliers(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);

CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    retailer_id      INTEGER NOT NULL REFERENCES retailers(id),
    external_id      TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    placed_at        INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    customer         TEXT NOT NULL,
    shipping_address TEXT NOT NULL,
    notes            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    item_total       INTEGER NOT NULL,
    shipping_total   INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (retailer_id, external_id)
);
CREATE INDEX orders_retailer_created ON orders (retailer_id, created_at, id);

CREATE TABLE supplier_orders (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    supplier_id   INTEGER NOT NULL REFERENCES suppliers(id),
    number        TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL,
    item_total    INTEGER NOT NULL,
    shipping      INTEGER NOT NULL,
    commission_bp INTEGER NOT NULL,
    commission    INTEGER NOT NULL,
    payout        INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX supplier_orders_order ON supplier_orders (order_id);
CREATE INDEX supplier_orders_supplier_created ON supplier_orders (supplier_id, created_at, id);
CREATE INDEX supplier_orders_supplier_updated ON supplier_orders (supplier_id, updated_at, id);

CREATE TABLE order_lines (
    id                INTEGER PRIMARY KEY,
    supplier_order_id INTEGER NOT NULL REFERENCES supplier_orders(id),
    position          INTEGER NOT NULL,
    sku               TEXT NOT NULL,
    name              TEXT NOT NULL,
    options           TEXT NOT NULL DEFAULT '{}',
    quantity          INTEGER NOT NULL,
    unit_price        INTEGER NOT NULL,
    discount          INTEGER NOT NULL DEFAULT 0,
    total             INTEGER NOT NULL
);
CREATE INDEX order_lines_supplier_order ON order_lines (supplier_order_id, position);

CREATE TABLE deliveries (
    id                INTEGER PRIMARY KEY,
    supplier_order_id INTEGER NOT NULL REFERENCES supplier_orders(id),
    supplier_id       INTEGER NOT NULL REFERENCES suppliers(id),
    channel           TEXT NOT NULL,
    kind              TEXT NOT NULL,
    event             TEXT NOT NULL,
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    delivered_at      INTEGER,
    UNIQUE (supplier_order_id, channel, event)
);
CREATE INDEX deliveries_status ON deliveries (status, updated_at);

CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
    number      INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    response    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
