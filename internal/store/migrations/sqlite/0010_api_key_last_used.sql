-- When a key was last used, updated at most once a minute per key so
-- that authentication does not write on every request.
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
