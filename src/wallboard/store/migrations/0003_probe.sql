-- One row the service writes to learn whether it can write again (store/protocols.Store.probe).
CREATE TABLE probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at BIGINT NOT NULL
);
