-- Built-in SFTP server: one login per supplier, and the files waiting in
-- its folders. File content lives in the database (not on a replica's
-- disk) so every replica serves the same files. Times are TIMESTAMPTZ.
CREATE TABLE sftp_accounts (
    supplier_id   BIGINT PRIMARY KEY REFERENCES suppliers(id) ON DELETE CASCADE,
    username      TEXT NOT NULL UNIQUE,
    -- bcrypt hash; '' means password login is off for this account.
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sftp_account_keys (
    supplier_id BIGINT NOT NULL REFERENCES sftp_accounts(supplier_id) ON DELETE CASCADE,
    -- SHA256:… as printed by ssh-keygen -lf.
    fingerprint TEXT NOT NULL,
    -- One authorized_keys line without options.
    public_key  TEXT NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (supplier_id, fingerprint)
);

-- A blob is the immutable content of one committed upload, split into
-- chunks so that a large file never needs one huge row or allocation.
-- Replacing a file points its row at a new blob; blobs that no file
-- references (an upload that died between its chunks and its commit) are
-- swept after a grace period.
CREATE TABLE sftp_blobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id BIGINT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    size        BIGINT NOT NULL,
    chunk_size  INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sftp_blobs_created ON sftp_blobs (created_at);

CREATE TABLE sftp_chunks (
    blob_id BIGINT NOT NULL REFERENCES sftp_blobs(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (blob_id, seq)
);

CREATE TABLE sftp_files (
    supplier_id BIGINT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    folder      TEXT NOT NULL,
    name        TEXT NOT NULL,
    blob_id     BIGINT NOT NULL REFERENCES sftp_blobs(id),
    size        BIGINT NOT NULL,
    mod_time    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (supplier_id, folder, name)
);
CREATE INDEX sftp_files_blob ON sftp_files (blob_id);
