-- Secrets every replica must share (the SFTP host key).
CREATE TABLE shared_secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
-- When the supplier took the order's file out of the built-in SFTP server.
ALTER TABLE supplier_orders ADD COLUMN retrieved_at INTEGER;
