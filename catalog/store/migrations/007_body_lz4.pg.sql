-- Entity bodies (an API's holds its inline definition: ~13 KB of JSON)
-- are compressed by PostgreSQL as it stores them (TOAST). Its default
-- method, pglz, was a quarter of the writing backend's CPU in a cold load
-- of 100,000 APIs, and that one backend is the load's bottleneck (writers
-- serialize on one advisory lock). lz4 compresses several times faster
-- and decompresses faster for every read of a body. The method is kept
-- with each stored value, so bodies written before stay readable as they
-- are, and a replica still running an older binary reads and writes plain
-- TEXT as before. The ALTER changes the column's definition only: nothing
-- is rewritten, but it needs an exclusive lock on entity_bodies, and while
-- it waits for one (behind an older replica's long read during a rolling
-- upgrade) every other reader of the table would queue behind it: it waits
-- at most 3 s. lz4 needs PostgreSQL 14 and a server built with it
-- (Debian's, the official images' and the managed services' are). Without
-- either, without the lock in time, or for a role that does not own the
-- table, bodies stay pglz (a NOTICE says why) and the migration counts as
-- done: it is worth a speed-up, never a failed start.
-- (ALTER TABLE entity_bodies ALTER COLUMN body SET COMPRESSION lz4 by hand
-- does it later.)
DO $$
BEGIN
  IF current_setting('server_version_num')::int >= 140000 THEN
    BEGIN
      SET LOCAL lock_timeout = '3s';
      EXECUTE 'ALTER TABLE entity_bodies ALTER COLUMN body SET COMPRESSION lz4';
    EXCEPTION WHEN feature_not_supported OR lock_not_available OR insufficient_privilege THEN
      RAISE NOTICE 'entity bodies stay pglz: %', SQLERRM;
    END;
  END IF;
END
$$;
