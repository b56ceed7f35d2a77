-- Security keys and passkeys (WebAuthn), the second factor besides TOTP. The credential is kept as
-- the JSON the server's WebAuthn library reads back (public key, counter); nothing secret.
CREATE TABLE security_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    credential TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    PRIMARY KEY (user_id, id)
);
