-- What a user walkthrough asked for: the account's country (phone numbers
-- typed without a country code), accent-insensitive search, and channel
-- names that cannot be created twice by a double click.

ALTER TABLE accounts
    ADD COLUMN country text NOT NULL DEFAULT 'BR'
        CHECK (country IN ('BR', 'AR', 'CL', 'CO', 'ES', 'GB', 'MX', 'PE', 'PT', 'PY', 'US', 'UY'));

-- Search folds case and accents on both sides ("voces" finds "vocês"). The
-- unaccent dictionary is fixed, so the wrapper may be IMMUTABLE and used in
-- indexes and generated columns; Rust folds the search term the same way
-- (`shared::text::fold`), and a test pins the two together.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE FUNCTION search_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    SET search_path = pg_catalog, public
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
GRANT EXECUTE ON FUNCTION search_fold(text) TO ponte_app;

DROP INDEX messages_search_idx;
CREATE INDEX messages_search_idx ON messages USING gin (search_fold(body) gin_trgm_ops)
    WHERE deleted_at IS NULL AND kind IN ('incoming', 'outgoing', 'note');

DROP INDEX contacts_search_idx;
ALTER TABLE contacts DROP COLUMN search_text;
ALTER TABLE contacts ADD COLUMN search_text text GENERATED ALWAYS AS (
    search_fold(name) || ' ' || COALESCE(phone, '') || ' ' || COALESCE(email, '')
) STORED;
CREATE INDEX contacts_search_idx ON contacts USING gin (search_text gin_trgm_ops);

CREATE OR REPLACE FUNCTION search_message_conversations(p_pattern text, p_limit integer)
RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT conversation_id FROM messages
          WHERE account_id = app_current_account() AND deleted_at IS NULL
            AND kind IN (''incoming'', ''outgoing'', ''note'') AND search_fold(body) LIKE %L
          LIMIT %s',
        p_pattern, greatest(p_limit, 0));
END
$$;

-- A second channel of the same name is refused (first making existing
-- duplicates distinct).
WITH numbered AS (
    SELECT id, row_number() OVER (PARTITION BY account_id, lower(name) ORDER BY id) AS n
      FROM channels
)
UPDATE channels c SET name = left(c.name, 110) || ' (' || numbered.n || ')'
  FROM numbered WHERE numbered.id = c.id AND numbered.n > 1;
CREATE UNIQUE INDEX channels_name_idx ON channels (account_id, lower(name));

-- Where a website visitor writes from (page, browser, language, time zone),
-- shown to agents beside the conversation.
ALTER TABLE contact_identities ADD COLUMN context jsonb NOT NULL DEFAULT '{}';

-- What agents say about themselves: available, away, or offline (invisible:
-- connected but not taking conversations).
ALTER TABLE memberships
    ADD COLUMN availability text NOT NULL DEFAULT 'online'
        CHECK (availability IN ('online', 'away', 'offline'));

-- Being handed a conversation is a notification too.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('mention', 'transfer'));
