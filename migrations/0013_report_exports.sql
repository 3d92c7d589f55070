-- Report files built in the background (domain/src/reports/exports.rs): the
-- page asks for one, a worker on any instance builds it and reports its
-- progress, the requester downloads it. Files are kept for a day.
CREATE TABLE report_exports (
    id           uuid PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The file shows what its requester may see when it is built.
    requested_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    report       text NOT NULL CHECK (report IN ('work-log', 'productivity', 'categorization', 'idle')),
    format       text NOT NULL CHECK (format IN ('csv', 'pdf')),
    -- The ReportFilter, its period already resolved to dates.
    filter       jsonb NOT NULL,
    locale       text NOT NULL CHECK (locale IN ('pt-BR', 'en')),
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    progress     smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    file_name    text,
    content      bytea,
    -- Why it failed: 'not_allowed' (the requester may no longer see it) or
    -- 'failed' (it could not be built).
    error        text CHECK (error IN ('not_allowed', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    lease_until  timestamptz NOT NULL DEFAULT '-infinity',
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CHECK ((state = 'done') = (content IS NOT NULL))
);
CREATE INDEX report_exports_pending_idx ON report_exports (created_at) WHERE state IN ('queued', 'running');
CREATE INDEX report_exports_requester_idx ON report_exports (account_id, requested_by, created_at);
CREATE INDEX report_exports_created_idx ON report_exports (created_at);
ALTER TABLE report_exports ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_exports_current_account ON report_exports
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON report_exports TO ponte_app;

-- Takes the exports nobody is building (new ones, and those whose builder
-- stopped without finishing), for a lease.
CREATE FUNCTION claim_report_exports(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (id uuid, account_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE report_exports x
       SET state = 'running', attempts = x.attempts + 1,
           lease_until = now() + make_interval(secs => p_lease_seconds)
     WHERE x.id IN (SELECT q.id FROM report_exports q
                     WHERE q.state IN ('queued', 'running') AND q.lease_until < now()
                     ORDER BY q.created_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING x.id, x.account_id
$$;

-- Removes the files older than `p_older`, across accounts.
CREATE FUNCTION remove_old_report_exports(p_older interval)
RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    WITH removed AS (DELETE FROM report_exports WHERE created_at < now() - p_older RETURNING 1)
    SELECT count(*)::integer FROM removed
$$;
REVOKE ALL ON FUNCTION claim_report_exports(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_report_exports(integer, integer) TO ponte_app;
REVOKE ALL ON FUNCTION remove_old_report_exports(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION remove_old_report_exports(interval) TO ponte_app;
