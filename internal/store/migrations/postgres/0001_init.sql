-- Times are TIMESTAMPTZ.
CREATE TABLE retailers (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT '',
    time_zone   TEXT NOT NULL DEFAULT 'UTC',
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE suppliers (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    commission_bp INTEGER NOT NULL DEFAULT 220,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE supplier_channels (
    supplier_id BIGINT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    settings    JSONB NOT NULL DEFAULT '{}',
    PRIMARY KEY (supplier_id, name)
);

CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash     TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    role         TEXT NOT NULL,
    retailer_id  BIGINT REFERENCES retailers(id) ON DELETE CASCADE,
    supplier_id  BIGINT REFERENCES suppliers(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE orders (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    retailer_id      BIGINT NOT NULL REFERENCES retailers(id),
    external_id      TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    placed_at        TIMESTAMPTZ NOT NULL,
    currency         TEXT NOT NULL,
    customer         JSONB NOT NULL,
    shipping_address JSONB NOT NULL,
    notes            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    item_total       BIGINT NOT NULL,
    shipping_total   BIGINT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (retailer_id, external_id)
);
CREATE INDEX orders_retailer_created ON orders (retailer_id, created_at, id);

CREATE TABLE supplier_orders (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id      BIGINT NOT NULL REFERENCES orders(id),
    supplier_id   BIGINT NOT NULL REFERENCES suppliers(id),
    number        TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL,
    item_total    BIGINT NOT NULL,
    shipping      BIGINT NOT NULL,
    commission_bp INTEGER NOT NULL,
    commission    BIGINT NOT NULL,
    payout        BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX supplier_orders_order ON supplier_orders (order_id);
CREATE INDEX supplier_orders_supplier_created ON supplier_orders (supplier_id, created_at, id);
CREATE INDEX supplier_orders_supplier_updated ON supplier_orders (supplier_id, updated_at, id);

CREATE TABLE order_lines (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_order_id BIGINT NOT NULL REFERENCES supplier_orders(id),
    position          INTEGER NOT NULL,
    sku               TEXT NOT NULL,
    name              TEXT NOT NULL,
    options           JSONB NOT NULL DEFAULT '{}',
    quantity          INTEGER NOT NULL,
    unit_price        BIGINT NOT NULL,
    discount          BIGINT NOT NULL DEFAULT 0,
    total             BIGINT NOT NULL
);
CREATE INDEX order_lines_supplier_order ON order_lines (supplier_order_id, position);

CREATE TABLE deliveries (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_order_id BIGINT NOT NULL REFERENCES supplier_orders(id),
    supplier_id       BIGINT NOT NULL REFERENCES suppliers(id),
    channel           TEXT NOT NULL,
    kind              TEXT NOT NULL,
    event             TEXT NOT NULL,
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    delivered_at      TIMESTAMPTZ,
    UNIQUE (supplier_order_id, channel, event)
);
CREATE INDEX deliveries_status ON deliveries (status, updated_at);

CREATE TABLE delivery_attempts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES deliveries(id),
    number      INTEGER NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    duration_us INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    response    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
