-- Removals a provider's run would apply but that wait for confirmation: the
-- next run must agree, a grace period must pass, or someone clicks "Apply
-- now" (accept). refs is a JSON array of entity ref keys; since is unix
-- milliseconds.
CREATE TABLE IF NOT EXISTS held_removals (
	task VARCHAR(255) PRIMARY KEY,
	refs TEXT NOT NULL,
	since BIGINT NOT NULL,
	accept INTEGER NOT NULL DEFAULT 0
);

ALTER TABLE provider_runs ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
