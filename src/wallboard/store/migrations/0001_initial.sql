-- Wallboard on PostgreSQL: the tables of store/sqlite.py, in PostgreSQL's types. Times are
-- epoch milliseconds (BIGINT); ids and days sort by their bytes (COLLATE "C"), as in SQLite.
CREATE TABLE accounts (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT,
    timezone TEXT NOT NULL,
    sl_threshold_s DOUBLE PRECISION NOT NULL,
    default_max_chats INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    account TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('ingest', 'view', 'admin')),
    secret_sha256 BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    conversation TEXT COLLATE "C",
    body BYTEA NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (account, id)
);
CREATE INDEX events_by_account ON events (account, seq);
CREATE INDEX events_by_conversation ON events (account, conversation)
    WHERE conversation IS NOT NULL;
CREATE TABLE history (
    account TEXT COLLATE "C" NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    snapshot BYTEA NOT NULL,
    written_at BIGINT NOT NULL,
    PRIMARY KEY (account, day)
);
CREATE TABLE series (
    account TEXT COLLATE "C" NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    row TEXT COLLATE "C" NOT NULL,
    data BYTEA NOT NULL,
    written_at BIGINT NOT NULL,
    PRIMARY KEY (account, day, row)
);
CREATE TABLE retired (
    account TEXT COLLATE "C" NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    packed BYTEA NOT NULL,
    PRIMARY KEY (account, day, id)
);
CREATE TABLE sessions (
    secret_sha256 BYTEA PRIMARY KEY,
    account TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('view', 'admin')),
    token_id TEXT COLLATE "C" NOT NULL REFERENCES tokens(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE signin_codes (
    code_sha256 BYTEA PRIMARY KEY,
    account TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('view', 'admin')),
    token_id TEXT COLLATE "C" NOT NULL REFERENCES tokens(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE settings (
    account TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
    name TEXT COLLATE "C" NOT NULL,
    value BYTEA NOT NULL,
    PRIMARY KEY (account, name)
);
CREATE TABLE checkpoints (
    account TEXT COLLATE "C" PRIMARY KEY,
    seq BIGINT NOT NULL,
    state BYTEA NOT NULL,
    written_at BIGINT NOT NULL
);
CREATE TABLE alerts (
    account TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
    id TEXT COLLATE "C" NOT NULL,
    fired_at BIGINT NOT NULL,
    resolved INTEGER NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX alerts_by_time ON alerts (account, fired_at);
CREATE TABLE deliveries (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    account TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    target BYTEA NOT NULL,
    payload BYTEA NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    due_at BIGINT NOT NULL,
    last_error TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX deliveries_pending ON deliveries (state, seq);
CREATE INDEX deliveries_by_account ON deliveries (account, seq);
