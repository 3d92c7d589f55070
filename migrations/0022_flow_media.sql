-- A flow's "send media" block sends a real file (issue 12): the file at the
-- block's URL is fetched by the media workers, like customers' files, into
-- attachment storage, and only then sent.
ALTER TABLE media_downloads ADD COLUMN direction text NOT NULL DEFAULT 'incoming'
    CHECK (direction IN ('incoming', 'outgoing'));
CREATE INDEX media_downloads_outgoing_pending_idx ON media_downloads (message_id)
    WHERE state = 'pending' AND direction = 'outgoing';

-- Replies wait while an earlier file of their conversation is still being
-- fetched, so the customer reads them in the order the flow said them; due
-- replies go oldest message first.
CREATE OR REPLACE FUNCTION claim_outbound_messages(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (message_id bigint, account_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE outbound_messages o
       SET attempts = o.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE o.message_id IN (
             SELECT q.message_id FROM outbound_messages q
               JOIN messages m ON m.id = q.message_id
              WHERE q.state = 'pending' AND q.next_attempt_at <= now()
                AND NOT EXISTS (
                      SELECT 1 FROM media_downloads d
                        JOIN messages dm ON dm.id = d.message_id
                       WHERE d.state = 'pending' AND d.direction = 'outgoing'
                         AND dm.conversation_id = m.conversation_id AND d.message_id < q.message_id)
              ORDER BY q.message_id LIMIT p_limit FOR UPDATE OF q SKIP LOCKED)
 RETURNING o.message_id, o.account_id
$$;
