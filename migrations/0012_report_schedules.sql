-- Reports mailed on a schedule (domain/src/reports/schedules.rs). Which days
-- a frequency runs on is decided in Rust (Frequency::runs_on); the database
-- only turns a local send time into an instant.
CREATE TABLE report_schedules (
    id          bigserial PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The report shows what its owner may see when it runs.
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    report      text NOT NULL CHECK (report IN ('work-log', 'productivity', 'categorization', 'idle')),
    frequency   text NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    format      text NOT NULL CHECK (format IN ('csv', 'pdf')),
    recipients  text[] NOT NULL CHECK (cardinality(recipients) BETWEEN 1 AND 20),
    agents      uuid[] NOT NULL DEFAULT '{}',
    departments bigint[] NOT NULL DEFAULT '{}',
    locale      text NOT NULL CHECK (locale IN ('pt-BR', 'en')),
    next_run_at timestamptz NOT NULL,
    last_run_at timestamptz,
    -- Why the last run mailed nothing (its owner left, lost the permission).
    last_error  text,
    lease_until timestamptz NOT NULL DEFAULT '-infinity',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_schedules_due_idx ON report_schedules (next_run_at);
CREATE INDEX report_schedules_account_idx ON report_schedules (account_id, id);
ALTER TABLE report_schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_schedules_current_account ON report_schedules
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON report_schedules TO ponte_app;
GRANT USAGE ON SEQUENCE report_schedules_id_seq TO ponte_app;

-- Takes the schedules whose run is due and nobody holds, for a lease.
CREATE FUNCTION claim_report_schedules(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (id bigint, account_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE report_schedules s
       SET lease_until = now() + make_interval(secs => p_lease_seconds)
     WHERE s.id IN (SELECT q.id FROM report_schedules q
                     WHERE q.next_run_at <= now() AND q.lease_until < now()
                     ORDER BY q.next_run_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING s.id, s.account_id
$$;
REVOKE ALL ON FUNCTION claim_report_schedules(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_report_schedules(integer, integer) TO ponte_app;

ALTER TABLE outgoing_mail DROP CONSTRAINT outgoing_mail_kind_check;
ALTER TABLE outgoing_mail ADD CONSTRAINT outgoing_mail_kind_check
    CHECK (kind IN ('email_confirmation', 'password_reset', 'invitation', 'connection_alert', 'smtp_test',
                    'scheduled_report'));
