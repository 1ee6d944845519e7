-- Where a retailer hears about its orders: webhooks and email.
CREATE TABLE retailer_channels (
    retailer_id BIGINT NOT NULL REFERENCES retailers(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    settings    JSONB NOT NULL DEFAULT '{}',
    PRIMARY KEY (retailer_id, name)
);
-- Status emails other than cancellations are opt-in.
ALTER TABLE retailers ADD COLUMN status_emails BOOLEAN NOT NULL DEFAULT FALSE;
