-- The end customer's status page /o/{token}: 128 random bits, hex.
-- Orders from before this migration get one here (randomblob is SQLite's
-- cryptographic generator); new orders get theirs from Go at insert.
ALTER TABLE orders ADD COLUMN status_token TEXT;
UPDATE orders SET status_token = lower(hex(randomblob(16))) WHERE status_token IS NULL;
CREATE UNIQUE INDEX orders_status_token ON orders (status_token);
