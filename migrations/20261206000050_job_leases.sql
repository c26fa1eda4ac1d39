-- Leases that make a job exclusive across `billing serve` processes on one database without
-- pinning a connection (an advisory lock lives on its session, which would hold the only
-- connection of the embedded database for the whole job). A lease expires on its own when its
-- holder dies; a live holder renews it. Times are the database's own clock, not the business
-- clock, because a lease is about processes being alive.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    holder      UUID NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
