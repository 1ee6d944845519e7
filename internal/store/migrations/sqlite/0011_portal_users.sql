-- Portal accounts. A user belongs to a supplier or a retailer, or is an
-- operator (neither). Emails are stored lower-cased.
CREATE TABLE portal_users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    supplier_id   INTEGER REFERENCES suppliers(id) ON DELETE CASCADE,
    retailer_id   INTEGER REFERENCES retailers(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    -- session_gen is copied into each session at login; bumping it ends
    -- every session of the user ("log out everywhere", new password).
    session_gen   INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER,
    disabled_at   INTEGER
);

-- Portal sessions (alexedwards/scs): token is the SHA-256 of the cookie's
-- token, so a leaked table cannot be replayed.
CREATE TABLE portal_sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry INTEGER NOT NULL
);
CREATE INDEX portal_sessions_expiry ON portal_sessions (expiry);

-- Failed sign-ins, one row each, keyed "account:<email>" or "ip:<addr>";
-- rows older than the throttling window are deleted periodically.
CREATE TABLE portal_login_failures (
    id     INTEGER PRIMARY KEY,
    key    TEXT NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX portal_login_failures_key ON portal_login_failures (key, at);
