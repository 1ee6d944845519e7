-- What operators did in the back office: view-as sessions, replays,
-- endpoint re-enables, review decisions. Rows are never updated.
CREATE TABLE operator_audit (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id BIGINT NOT NULL,
    operator    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX operator_audit_created ON operator_audit (created_at, id);

-- How a review was resolved ("applied …" or "dismissed …") and by whom.
ALTER TABLE review_queue ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE review_queue ADD COLUMN resolved_by TEXT NOT NULL DEFAULT '';
