-- Cancellation requests: a retailer asks a supplier to cancel a supplier
-- order it has acknowledged (whole, or some lines), the supplier accepts
-- or refuses on any of its channels, and requests left unanswered past
-- answer_by are escalated to the operator once.
CREATE TABLE cancel_requests (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_order_id BIGINT NOT NULL REFERENCES supplier_orders(id),
    supplier_id       BIGINT NOT NULL REFERENCES suppliers(id),
    retailer_id       BIGINT NOT NULL REFERENCES retailers(id),
    -- requested, escalated (still open), accepted, refused
    state             TEXT NOT NULL,
    -- [{"position":1,"quantity":2}]; empty: the whole supplier order
    lines             JSONB NOT NULL,
    reason            TEXT NOT NULL,
    requested_by      TEXT NOT NULL,
    idempotency_key   TEXT,
    supplier_note     TEXT NOT NULL DEFAULT '',
    answered_by       TEXT NOT NULL DEFAULT '',
    answer_channel    TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    answer_by         TIMESTAMPTZ NOT NULL,
    answered_at       TIMESTAMPTZ,
    escalated_at      TIMESTAMPTZ,
    -- When the accepted cancellation reached the supplier order, or why it
    -- could not (shipped meanwhile).
    applied_at        TIMESTAMPTZ,
    apply_error       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX cancel_requests_key ON cancel_requests (retailer_id, idempotency_key);
-- One open request per supplier order: an email "accept cancellation"
-- then names exactly one.
CREATE UNIQUE INDEX cancel_requests_open ON cancel_requests (supplier_order_id) WHERE state IN ('requested', 'escalated');
CREATE INDEX cancel_requests_due ON cancel_requests (answer_by) WHERE state = 'requested';
CREATE INDEX cancel_requests_supplier ON cancel_requests (supplier_id, state, id);
CREATE INDEX cancel_requests_retailer ON cancel_requests (retailer_id, id);
