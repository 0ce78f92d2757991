-- The rest of a version's source (issue 16): the provider run that first
-- saw it, and the revision (ETag or object version) of the location its
-- entity was read from, when the provider knows them; '' for older rows.
ALTER TABLE api_versions ADD COLUMN run_id TEXT NOT NULL DEFAULT '';
ALTER TABLE api_versions ADD COLUMN revision TEXT NOT NULL DEFAULT '';
