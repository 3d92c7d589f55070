-- The dashboard's AI figures (issue 13): each review keeps the customer's
-- sentiment at the resolution, and reviews are read by period.
ALTER TABLE quality_reviews ADD COLUMN sentiment real CHECK (sentiment BETWEEN -1 AND 1);
CREATE INDEX quality_reviews_period_idx ON quality_reviews (account_id, resolved_at)
    INCLUDE (score, sentiment) WHERE score IS NOT NULL;

-- A review that keeps failing is given up after five tries (its error is in
-- the server's log), not retried forever.
CREATE OR REPLACE FUNCTION claim_quality_reviews(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (account_id uuid, conversation_id bigint, resolved_at timestamptz)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE quality_reviews q
       SET attempts = q.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE (q.conversation_id, q.resolved_at) IN (
             SELECT r.conversation_id, r.resolved_at FROM quality_reviews r
              WHERE r.reviewed_at IS NULL AND r.next_attempt_at <= now() AND r.attempts < 5
              ORDER BY r.next_attempt_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING q.account_id, q.conversation_id, q.resolved_at
$$;
