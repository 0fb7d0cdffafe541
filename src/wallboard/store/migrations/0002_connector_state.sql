-- What a connector remembers between a platform's webhooks (store/protocols.ConnectorState).
CREATE TABLE connector_state (
    account TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
    connector TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    value BYTEA NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (account, connector, key)
);
CREATE INDEX connector_state_saved ON connector_state (account, saved_at);
