-- Search probes.
--
-- Row-level security keeps non-leakproof operators such as LIKE and ILIKE
-- out of index conditions, so under the runtime role a trigram search is a
-- sequential scan. These functions run as the owner instead, scope every
-- row to the current account explicitly (the same rule as the policies), and
-- plan each call for its own literal pattern: a rare term uses the trigram
-- index, a common one a scan that stops at p_limit rows.

-- Conversations whose message text matches (incoming, outgoing and notes;
-- not deleted), at most p_limit rows (a conversation may repeat).
CREATE FUNCTION search_message_conversations(p_pattern text, p_limit integer)
RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT conversation_id FROM messages
          WHERE account_id = app_current_account() AND deleted_at IS NULL
            AND kind IN (''incoming'', ''outgoing'', ''note'') AND body ILIKE %L
          LIMIT %s',
        p_pattern, greatest(p_limit, 0));
END
$$;
REVOKE ALL ON FUNCTION search_message_conversations(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_message_conversations(text, integer) TO ponte_app;

-- Contacts whose name, phone or e-mail matches, at most p_limit.
CREATE FUNCTION search_contact_ids(p_pattern text, p_limit integer)
RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT id FROM contacts
          WHERE account_id = app_current_account() AND search_text LIKE %L
          LIMIT %s',
        p_pattern, greatest(p_limit, 0));
END
$$;
REVOKE ALL ON FUNCTION search_contact_ids(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_contact_ids(text, integer) TO ponte_app;
