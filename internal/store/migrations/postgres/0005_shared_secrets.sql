-- Secrets every replica must share (the SFTP host key).
CREATE TABLE shared_secrets (
    name       TEXT PRIMARY KEY,
    value      BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- When the supplier took the order's file out of the built-in SFTP server.
ALTER TABLE supplier_orders ADD COLUMN retrieved_at TIMESTAMPTZ;
