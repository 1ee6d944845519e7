-- The end customer's status page /o/{token}: 128 random bits, hex.
-- Orders from before this migration get one here (gen_random_uuid draws
-- from the cryptographic generator; 122 of its bits are random); new
-- orders get 128 random bits from Go at insert.
ALTER TABLE orders ADD COLUMN status_token TEXT;
UPDATE orders SET status_token = replace(gen_random_uuid()::text, '-', '') WHERE status_token IS NULL;
CREATE UNIQUE INDEX orders_status_token ON orders (status_token);
