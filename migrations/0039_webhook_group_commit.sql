-- Ingest stores the verified requests that arrive together in one
-- statement and one commit (domain::channels::webhooks::intake). For each
-- request stored, its (channel, dedupe key) and new id; a redelivery, also
-- of a body earlier in the same group, is left out.
CREATE FUNCTION store_webhook_events(p_accounts uuid[], p_channels bigint[], p_providers text[],
                                     p_bodies bytea[], p_headers jsonb[], p_dedupe_keys text[],
                                     p_order_keys text[], p_notify boolean)
RETURNS TABLE (stored_channel bigint, stored_key text, stored_id bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    INSERT INTO webhook_events AS e (account_id, channel_id, provider, body, headers, dedupe_key, order_key)
    SELECT r.account_id, r.channel_id, r.provider, r.body, r.headers, r.dedupe_key, left(r.order_key, 200)
      FROM unnest(p_accounts, p_channels, p_providers, p_bodies, p_headers, p_dedupe_keys, p_order_keys)
           AS r (account_id, channel_id, provider, body, headers, dedupe_key, order_key)
    ON CONFLICT ON CONSTRAINT webhook_events_dedupe DO NOTHING
    RETURNING e.channel_id, e.dedupe_key, e.id;
    IF FOUND AND p_notify THEN
        PERFORM pg_notify('ponte_jobs', 'webhook');
    END IF;
END
$$;
REVOKE ALL ON FUNCTION store_webhook_events(uuid[], bigint[], text[], bytea[], jsonb[], text[], text[], boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION store_webhook_events(uuid[], bigint[], text[], bytea[], jsonb[], text[], text[], boolean) TO ponte_app;

-- Replaced by the function above (a group of one).
DROP FUNCTION store_webhook_event(uuid, bigint, text, bytea, jsonb, text, text, boolean);
