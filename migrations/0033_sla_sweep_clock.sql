-- The breach sweeper takes the instant it sweeps at, so tests can drive it
-- with a fake clock and a breach is stamped with the sweep's instant.

DROP FUNCTION due_sla_breaches(integer);

CREATE FUNCTION due_sla_breaches(p_limit integer, p_now timestamptz)
RETURNS TABLE (account_id uuid, conversation_id bigint, target text)
    LANGUAGE sql SECURITY DEFINER STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    (SELECT c.account_id, c.id, 'first_response' FROM conversations c
      WHERE c.sla_first_response_due_at <= p_now AND c.sla_first_response_breached_at IS NULL
        AND c.first_response_at IS NULL AND c.sla_paused_at IS NULL
        AND c.status IN ('open', 'in_progress', 'waiting', 'bot')
      ORDER BY c.sla_first_response_due_at LIMIT p_limit)
    UNION ALL
    (SELECT c.account_id, c.id, 'resolution' FROM conversations c
      WHERE c.sla_resolution_due_at <= p_now AND c.sla_resolution_breached_at IS NULL
        AND c.resolved_at IS NULL AND c.sla_paused_at IS NULL
        AND c.status IN ('open', 'in_progress', 'waiting', 'bot')
      ORDER BY c.sla_resolution_due_at LIMIT p_limit)
    UNION ALL
    (SELECT c.account_id, c.id, 'next_response' FROM conversations c
      WHERE c.sla_next_response_due_at IS NOT NULL AND c.sla_next_response_due_at <= p_now
        AND c.sla_paused_at IS NULL
        AND (c.sla_next_response_breached_at IS NULL
             OR c.sla_next_response_breached_at < c.sla_next_response_due_at)
        AND c.status IN ('open', 'in_progress', 'waiting', 'bot')
      ORDER BY c.sla_next_response_due_at LIMIT p_limit)
$$;
REVOKE ALL ON FUNCTION due_sla_breaches(integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION due_sla_breaches(integer, timestamptz) TO ponte_app;
