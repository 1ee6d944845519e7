-- Portal accounts. A user belongs to a supplier or a retailer, or is an
-- operator (neither). Emails are stored lower-cased.
CREATE TABLE portal_users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    supplier_id   BIGINT REFERENCES suppliers(id) ON DELETE CASCADE,
    retailer_id   BIGINT REFERENCES retailers(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    -- session_gen is copied into each session at login; bumping it ends
    -- every session of the user ("log out everywhere", new password).
    session_gen   INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ,
    disabled_at   TIMESTAMPTZ
);

-- Portal sessions (alexedwards/scs): token is the SHA-256 of the cookie's
-- token, so a leaked table cannot be replayed.
CREATE TABLE portal_sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_sessions_expiry ON portal_sessions (expiry);

-- Failed sign-ins, one row each, keyed "account:<email>" or "ip:<addr>";
-- rows older than the throttling window are deleted periodically.
CREATE TABLE portal_login_failures (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key    TEXT NOT NULL,
    at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_login_failures_key ON portal_login_failures (key, at);
