-- The quality score workflow (issue 13): when a conversation is resolved,
-- the AI reviews it once — summary, score 0–10 and a written justification —
-- and a score under the account's threshold alerts its managers and marks
-- the conversation critical.
ALTER TABLE accounts ADD COLUMN quality_threshold real NOT NULL DEFAULT 7
    CHECK (quality_threshold BETWEEN 0 AND 10);

ALTER TABLE conversations
    ADD COLUMN ai_score real CHECK (ai_score BETWEEN 0 AND 10),
    ADD COLUMN ai_justification text,
    ADD COLUMN ai_summary text;

-- One review per resolution (a conversation reopened and resolved again is
-- reviewed again); the row is the durable job and then its record.
CREATE TABLE quality_reviews (
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL,
    resolved_at     timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    reviewed_at     timestamptz,
    score           real CHECK (score BETWEEN 0 AND 10),
    threshold       real,
    alerted         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (conversation_id, resolved_at),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX quality_reviews_due_idx ON quality_reviews (next_attempt_at) WHERE reviewed_at IS NULL;
ALTER TABLE quality_reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY quality_reviews_current_account ON quality_reviews
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON quality_reviews TO ponte_app;

-- Every way a conversation gets resolved (an agent, a flow's end, the API)
-- asks for its review here, in the same transaction: one rule, no path
-- forgotten.
CREATE FUNCTION conversation_resolved_review() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF NEW.status = 'resolved' AND NEW.resolved_at IS NOT NULL
       AND (OLD.status IS DISTINCT FROM 'resolved' OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at) THEN
        INSERT INTO quality_reviews (account_id, conversation_id, resolved_at)
        VALUES (NEW.account_id, NEW.id, NEW.resolved_at)
        ON CONFLICT DO NOTHING;
        PERFORM pg_notify('ponte_jobs', 'quality');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER conversations_resolved_review AFTER UPDATE OF status, resolved_at ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_resolved_review();

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'transfer', 'sla_breach', 'flow_handoff', 'low_score'));

-- Reviews whose time came, every account; claiming one pushes its next try
-- out (a lease), so a crashed worker's review is tried again later.
CREATE FUNCTION claim_quality_reviews(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (account_id uuid, conversation_id bigint, resolved_at timestamptz)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE quality_reviews q
       SET attempts = q.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE (q.conversation_id, q.resolved_at) IN (
             SELECT r.conversation_id, r.resolved_at FROM quality_reviews r
              WHERE r.reviewed_at IS NULL AND r.next_attempt_at <= now()
              ORDER BY r.next_attempt_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING q.account_id, q.conversation_id, q.resolved_at
$$;
REVOKE ALL ON FUNCTION claim_quality_reviews(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_quality_reviews(integer, integer) TO ponte_app;

ALTER TABLE outgoing_mail DROP CONSTRAINT outgoing_mail_kind_check;
ALTER TABLE outgoing_mail ADD CONSTRAINT outgoing_mail_kind_check
    CHECK (kind IN ('email_confirmation', 'password_reset', 'invitation', 'connection_alert', 'smtp_test',
                    'scheduled_report', 'quality_alert'));
