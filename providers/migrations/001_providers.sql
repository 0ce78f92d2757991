-- Tables of the providers feature: one lease row per scheduled task (shared by
-- every replica on the database) and one row per provider run. Times are unix
-- milliseconds so both SQLite and PostgreSQL compare them as numbers.
CREATE TABLE IF NOT EXISTS task_leases (
	task VARCHAR(255) PRIMARY KEY,
	owner VARCHAR(255) NOT NULL,
	locked_until BIGINT NOT NULL,
	next_run_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS provider_runs (
	id VARCHAR(64) PRIMARY KEY,
	provider VARCHAR(255) NOT NULL,
	"trigger" VARCHAR(16) NOT NULL,
	owner VARCHAR(255) NOT NULL,
	started_at BIGINT NOT NULL,
	duration_ms BIGINT NOT NULL DEFAULT 0,
	outcome VARCHAR(16) NOT NULL,
	listed INTEGER NOT NULL DEFAULT 0,
	added INTEGER NOT NULL DEFAULT 0,
	updated INTEGER NOT NULL DEFAULT 0,
	removed INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,
	invalid INTEGER NOT NULL DEFAULT 0,
	errors TEXT NOT NULL DEFAULT '[]',
	message TEXT NOT NULL DEFAULT ''
);

CREATE INDEX IF NOT EXISTS provider_runs_by_provider ON provider_runs (provider, started_at);
