-- The records of the sansho server (SQLite). Times are UTC text of fixed width
-- (2026-11-30T04:05:06.123456Z), JSON is text: the audit chain hashes exact bytes.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    password_changed_at TEXT,
    totp_secret TEXT,
    totp_last_step INTEGER,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE password_history (
    user_id TEXT NOT NULL REFERENCES users (id),
    password_hash TEXT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id);

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    mfa_at TEXT,
    csrf_token TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    role TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT
);

CREATE TABLE systems (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES organizations (id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (provider_id, key)
);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    content BLOB NOT NULL
);

CREATE TABLE versions (
    id TEXT PRIMARY KEY,
    system_id TEXT NOT NULL REFERENCES systems (id),
    number INTEGER NOT NULL,
    published_by TEXT NOT NULL REFERENCES users (id),
    published_at TEXT NOT NULL,
    generator TEXT NOT NULL,
    kb_digest TEXT NOT NULL,
    entry TEXT NOT NULL,
    name TEXT NOT NULL,
    as_of TEXT,
    summary TEXT NOT NULL,
    documents_digest TEXT NOT NULL,
    UNIQUE (system_id, number)
);

CREATE TABLE version_files (
    version_id TEXT NOT NULL REFERENCES versions (id),
    role TEXT NOT NULL,
    path TEXT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    size INTEGER NOT NULL,
    PRIMARY KEY (version_id, role, path)
);

CREATE TABLE review_items (
    version_id TEXT NOT NULL REFERENCES versions (id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    title_ja TEXT NOT NULL,
    title_en TEXT NOT NULL,
    rank TEXT,
    detail TEXT NOT NULL,
    content_digest TEXT NOT NULL,
    PRIMARY KEY (version_id, key)
);

CREATE TABLE engagements (
    id TEXT PRIMARY KEY,
    system_id TEXT NOT NULL REFERENCES systems (id),
    provider_id TEXT NOT NULL REFERENCES organizations (id),
    institution_id TEXT NOT NULL REFERENCES organizations (id),
    contract_form TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (system_id, institution_id)
);
CREATE INDEX engagements_provider ON engagements (provider_id);
CREATE INDEX engagements_institution ON engagements (institution_id);

CREATE TABLE shares (
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    version_id TEXT NOT NULL REFERENCES versions (id),
    base_version_id TEXT REFERENCES versions (id),
    shared_by TEXT NOT NULL REFERENCES users (id),
    shared_at TEXT NOT NULL,
    risks_acknowledged_at TEXT,
    change_report TEXT REFERENCES blobs (sha256),
    PRIMARY KEY (engagement_id, version_id)
);

CREATE TABLE reviews (
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    version_id TEXT NOT NULL REFERENCES versions (id),
    item_key TEXT NOT NULL,
    verdict TEXT NOT NULL,
    comment TEXT NOT NULL,
    by_user TEXT NOT NULL REFERENCES users (id),
    at TEXT NOT NULL,
    PRIMARY KEY (engagement_id, version_id, item_key)
);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    version_id TEXT NOT NULL REFERENCES versions (id),
    item_key TEXT,
    author TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX messages_engagement ON messages (engagement_id);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    size INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE INDEX attachments_engagement ON attachments (engagement_id);

CREATE TABLE minutes (
    id TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    version_id TEXT REFERENCES versions (id),
    held_on TEXT NOT NULL,
    attendees TEXT NOT NULL,
    agenda TEXT NOT NULL,
    decisions TEXT NOT NULL,
    item_keys TEXT NOT NULL,
    attachments TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE INDEX minutes_engagement ON minutes (engagement_id);

CREATE TABLE agreements (
    id TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    version_id TEXT NOT NULL REFERENCES versions (id),
    basis TEXT NOT NULL,
    statement TEXT NOT NULL,
    documents_digest TEXT NOT NULL,
    items_digest TEXT NOT NULL,
    signed_by TEXT NOT NULL REFERENCES users (id),
    signed_at TEXT NOT NULL,
    signed_from TEXT NOT NULL,
    audit_seq INTEGER NOT NULL,
    audit_hash TEXT NOT NULL,
    countersigned_by TEXT REFERENCES users (id),
    countersigned_at TEXT
);
CREATE INDEX agreements_engagement ON agreements (engagement_id);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    orgs TEXT NOT NULL,
    action TEXT NOT NULL,
    change TEXT NOT NULL,
    target TEXT NOT NULL,
    record_digest TEXT NOT NULL,
    details TEXT NOT NULL,
    ip TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_orgs (
    org_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE TABLE audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    at TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
