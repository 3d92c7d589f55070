-- Hardening: identity tables behind row-level security and narrow functions,
-- atomic sign-in throttling, cross-account references refused by the
-- database, no cascading deletes for the runtime role, token and session
-- lifetimes, an index-backed audit chain head, and the snooze sweeper and
-- upload cleanup moved behind the domain layer.

-- The runtime role creates nothing, anywhere.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM ponte_app;

-- Every SECURITY DEFINER function resolves names in pg_catalog first, so a
-- look-alike object in another schema can never stand in for a built-in.
ALTER FUNCTION invitation_by_token(bytea) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION my_memberships() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION channel_by_public_token(text) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION demo_widget_token() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION search_message_conversations(text, integer) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION search_contact_ids(text, integer) SET search_path = pg_catalog, public, pg_temp;

-- Audit log: the chain head through the chain index ----------------------------

-- `IS NOT DISTINCT FROM` cannot use audit_log_chain_idx, so every append
-- scanned the log while holding its chain's lock. The same expression as the
-- index finds the head at once. A plain SQL function so that tests can
-- EXPLAIN it (it is inlined).
CREATE FUNCTION audit_chain_head(p_account_id uuid)
RETURNS TABLE (hash bytea, seq bigint)
    LANGUAGE sql STABLE
    AS $$
    SELECT l.hash, l.seq FROM audit_log l
     WHERE COALESCE(l.account_id, '00000000-0000-0000-0000-000000000000'::uuid)
         = COALESCE(p_account_id, '00000000-0000-0000-0000-000000000000'::uuid)
     ORDER BY COALESCE(l.account_id, '00000000-0000-0000-0000-000000000000'::uuid) DESC, l.seq DESC
     LIMIT 1
$$;
REVOKE ALL ON FUNCTION audit_chain_head(uuid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_append(
    p_account_id uuid, p_actor_user_id uuid, p_actor_label text, p_action text,
    p_target_type text, p_target_id text, p_details jsonb, p_ip text
) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    v_prev_hash bytea;
    v_seq bigint;
    v_created_at timestamptz := date_trunc('milliseconds', clock_timestamp());
    v_hash bytea;
    v_id bigint;
BEGIN
    IF p_account_id IS NOT NULL AND p_account_id IS DISTINCT FROM app_current_account() THEN
        RAISE EXCEPTION 'audit_append: account % is not the current account', p_account_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    -- One writer per chain at a time, so sequence numbers and links never fork.
    PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || COALESCE(p_account_id::text, 'platform'), 0));

    SELECT h.hash, h.seq INTO v_prev_hash, v_seq FROM audit_chain_head(p_account_id) h;
    v_seq := COALESCE(v_seq, 0) + 1;

    v_hash := sha256(convert_to(audit_entry_material(
        p_account_id, v_seq, v_created_at, p_actor_user_id, p_actor_label, p_action,
        p_target_type, p_target_id, COALESCE(p_details, '{}'::jsonb), p_ip, v_prev_hash), 'UTF8'));

    INSERT INTO audit_log (account_id, seq, created_at, actor_user_id, actor_label, action,
                           target_type, target_id, details, ip, prev_hash, hash)
    VALUES (p_account_id, v_seq, v_created_at, p_actor_user_id, p_actor_label, p_action,
            p_target_type, p_target_id, COALESCE(p_details, '{}'::jsonb), p_ip, v_prev_hash, v_hash)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- Users: members of the current account, and oneself -------------------------

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_visible ON users FOR SELECT
    USING (id = app_current_user()
           OR EXISTS (SELECT 1 FROM memberships m
                       WHERE m.user_id = users.id AND m.account_id = app_current_account()));
-- Signing up and accepting an invitation create users.
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (true);
CREATE POLICY users_update_self ON users FOR UPDATE
    USING (id = app_current_user()) WITH CHECK (id = app_current_user());
REVOKE SELECT, UPDATE ON users FROM ponte_app;
GRANT SELECT (id, email, name, locale, theme, created_at, updated_at) ON users TO ponte_app;
GRANT UPDATE (name, locale, theme, password_hash, updated_at) ON users TO ponte_app;

-- The one password hash a sign-in needs, found by e-mail.
CREATE FUNCTION user_credentials(p_email text)
RETURNS TABLE (id uuid, name text, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$ SELECT u.id, u.name, u.password_hash FROM users u WHERE u.email = p_email $$;

-- Whether a login exists for an address (the invitation page says "sign in"
-- or "create your login"; sign-up says the same through its unique key).
CREATE FUNCTION user_exists(p_email text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM users WHERE email = p_email) $$;

-- Sessions: one's own, and (for deactivation) those in the current account ----

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY sessions_own_or_account ON sessions
    USING (user_id = app_current_user() OR account_id = app_current_account())
    WITH CHECK (user_id = app_current_user() OR account_id = app_current_account());
REVOKE SELECT, UPDATE ON sessions FROM ponte_app;
GRANT SELECT (id, user_id, account_id, created_at, last_seen_at, expires_at, revoked_at, ip, user_agent)
    ON sessions TO ponte_app;
GRANT UPDATE (account_id, revoked_at) ON sessions TO ponte_app;

-- Which of these sessions ended (revoked, idle-expired or too old): their
-- live sockets must close. Takes ids the hub already holds.
CREATE FUNCTION sessions_ended(p_ids bigint[], p_max_age interval)
RETURNS SETOF bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT s.id FROM sessions s
     WHERE s.id = ANY(p_ids)
       AND (s.revoked_at IS NOT NULL OR s.expires_at <= now() OR s.created_at <= now() - p_max_age)
$$;

-- Sessions end after `p_idle_timeout` without a request, and in any case
-- `p_max_age` after sign-in.
DROP FUNCTION session_authenticate(bytea, interval);
CREATE FUNCTION session_authenticate(p_token_hash bytea, p_idle_timeout interval, p_max_age interval)
RETURNS TABLE (session_id bigint, user_id uuid, account_id uuid, role text,
               user_name text, user_email text, user_locale text, user_theme text,
               account_name text, account_slug text, account_locale text, account_theme text,
               account_utc_offset_minutes integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    UPDATE sessions s
       SET last_seen_at = now(), expires_at = LEAST(now() + p_idle_timeout, s.created_at + p_max_age)
     WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
       AND s.last_seen_at < now() - interval '5 minutes';
    RETURN QUERY
    SELECT s.id, u.id, a.id, m.role, u.name, u.email, u.locale, u.theme, a.name, a.slug,
           a.default_locale, a.default_theme,
           (extract(epoch FROM (now() AT TIME ZONE a.timezone) - (now() AT TIME ZONE 'UTC')) / 60)::integer
      FROM sessions s
      JOIN users u ON u.id = s.user_id
      JOIN memberships m ON m.user_id = s.user_id AND m.account_id = s.account_id AND m.active
      JOIN accounts a ON a.id = s.account_id
     WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
       AND s.created_at > now() - p_max_age;
END
$$;

-- Sign-in throttling: check and record in one locked step ---------------------

REVOKE ALL ON login_failures FROM ponte_app;
ALTER TABLE login_failures ENABLE ROW LEVEL SECURITY;

-- Records one attempt under each key, unless a key's budget is spent; the
-- keys' advisory locks make check-and-record atomic, so parallel guesses
-- queue instead of all passing. For each key: `p_limits` attempts within
-- the window; past that, a hard wall when `p_gaps` is 0, else one attempt
-- per `p_gaps` seconds (a back-off that never locks a person out for long).
-- Returns the new rows' ids, or NULL ids and the seconds to wait.
CREATE FUNCTION throttle_begin(p_keys text[], p_limits integer[], p_gaps integer[], p_window interval)
RETURNS TABLE (attempt_ids bigint[], retry_after_secs integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    i integer;
    v_count bigint;
    v_oldest timestamptz;
    v_newest timestamptz;
    v_wait integer := 0;
    v_ids bigint[] := '{}';
    v_id bigint;
BEGIN
    -- Sorted, so two callers never wait on each other's locks in a cycle.
    PERFORM pg_advisory_xact_lock(hashtextextended('throttle:' || k, 0))
       FROM unnest(p_keys) k ORDER BY k;
    FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
        SELECT count(*), min(f.failed_at), max(f.failed_at) INTO v_count, v_oldest, v_newest
          FROM login_failures f
         WHERE f.throttle_key = p_keys[i] AND f.failed_at > now() - p_window;
        IF v_count >= p_limits[i] THEN
            IF p_gaps[i] = 0 THEN
                v_wait := greatest(v_wait, ceil(extract(epoch FROM v_oldest + p_window - now()))::integer, 1);
            ELSIF v_newest > now() - make_interval(secs => p_gaps[i]) THEN
                v_wait := greatest(v_wait, ceil(extract(epoch FROM v_newest + make_interval(secs => p_gaps[i]) - now()))::integer, 1);
            END IF;
        END IF;
    END LOOP;
    IF v_wait > 0 THEN
        RETURN QUERY SELECT NULL::bigint[], v_wait;
        RETURN;
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
        INSERT INTO login_failures (throttle_key) VALUES (p_keys[i]) RETURNING id INTO v_id;
        v_ids := v_ids || v_id;
    END LOOP;
    -- Old rows are useless; trim a few on each write so the table stays small.
    DELETE FROM login_failures WHERE id IN (
        SELECT f.id FROM login_failures f WHERE f.failed_at < now() - interval '1 day' LIMIT 100);
    RETURN QUERY SELECT v_ids, 0;
END
$$;

-- A successful attempt: its rows stop counting, and so do the earlier
-- failures under `p_clear_keys` (the person proved they know the secret).
CREATE FUNCTION throttle_succeeded(p_attempt_ids bigint[], p_clear_keys text[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DELETE FROM login_failures WHERE id = ANY(p_attempt_ids) OR throttle_key = ANY(p_clear_keys)
$$;

-- API tokens: an optional expiry, checked with the owner's role --------------

ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;

DROP FUNCTION api_token_authenticate(bytea);
CREATE FUNCTION api_token_authenticate(p_token_hash bytea)
RETURNS TABLE (token_id bigint, user_id uuid, account_id uuid, role text,
               user_name text, user_email text, account_name text, account_slug text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    UPDATE api_tokens t SET last_used_at = now()
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL
       AND (t.expires_at IS NULL OR t.expires_at > now())
       AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute');
    RETURN QUERY
    SELECT t.id, u.id, a.id, m.role, u.name, u.email, a.name, a.slug
      FROM api_tokens t
      JOIN users u ON u.id = t.user_id
      JOIN memberships m ON m.user_id = t.user_id AND m.account_id = t.account_id AND m.active
      JOIN accounts a ON a.id = t.account_id
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL
       AND (t.expires_at IS NULL OR t.expires_at > now());
END
$$;

-- Cross-account references: refused by the database ----------------------------
--
-- A plain foreign key is checked without row-level security, so an id from
-- another account would be accepted. Each reference between tenant tables
-- also matches on account_id.

ALTER TABLE departments ADD CONSTRAINT departments_account_id_key UNIQUE (account_id, id);
ALTER TABLE channels ADD CONSTRAINT channels_account_id_key UNIQUE (account_id, id);
ALTER TABLE contacts ADD CONSTRAINT contacts_account_id_key UNIQUE (account_id, id);
ALTER TABLE conversations ADD CONSTRAINT conversations_account_id_key UNIQUE (account_id, id);
ALTER TABLE attachments ADD CONSTRAINT attachments_account_id_key UNIQUE (account_id, id);

ALTER TABLE department_members
    ADD CONSTRAINT department_members_department_same_account
        FOREIGN KEY (account_id, department_id) REFERENCES departments (account_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT department_members_member_same_account
        FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE;
ALTER TABLE channels
    ADD CONSTRAINT channels_department_same_account
        FOREIGN KEY (account_id, default_department_id) REFERENCES departments (account_id, id)
        ON DELETE SET NULL (default_department_id);
ALTER TABLE contact_identities
    ADD CONSTRAINT contact_identities_contact_same_account
        FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT contact_identities_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE;
ALTER TABLE contact_notes
    ADD CONSTRAINT contact_notes_contact_same_account
        FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE;
ALTER TABLE conversations
    ADD CONSTRAINT conversations_contact_same_account
        FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id),
    ADD CONSTRAINT conversations_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id),
    ADD CONSTRAINT conversations_department_same_account
        FOREIGN KEY (account_id, department_id) REFERENCES departments (account_id, id)
        ON DELETE SET NULL (department_id),
    ADD CONSTRAINT conversations_assignee_same_account
        FOREIGN KEY (account_id, assignee_id) REFERENCES memberships (account_id, user_id)
        ON DELETE SET NULL (assignee_id);
ALTER TABLE conversation_reads
    ADD CONSTRAINT conversation_reads_conversation_same_account
        FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE;
ALTER TABLE attachments
    ADD CONSTRAINT attachments_conversation_same_account
        FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE;
ALTER TABLE messages
    ADD CONSTRAINT messages_conversation_same_account
        FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT messages_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id),
    ADD CONSTRAINT messages_attachment_same_account
        FOREIGN KEY (account_id, attachment_id) REFERENCES attachments (account_id, id)
        ON DELETE SET NULL (attachment_id);
ALTER TABLE quick_replies
    ADD CONSTRAINT quick_replies_owner_same_account
        FOREIGN KEY (account_id, owner_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE;
ALTER TABLE notifications
    ADD CONSTRAINT notifications_conversation_same_account
        FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT notifications_user_same_account
        FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE;
ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_owner_same_account
        FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE;

-- Deletes: only where a feature removes something, and never a cascade that
-- reaches messages (conversations, contacts and channels are kept forever;
-- attachments are cleaned up by the function below).
REVOKE DELETE ON conversations, contacts, channels, contact_identities, contact_notes, tags,
    account_counters, conversation_reads, attachments, notifications FROM ponte_app;

-- Files uploaded but never sent --------------------------------------------------

CREATE INDEX messages_attachment_idx ON messages (attachment_id) WHERE attachment_id IS NOT NULL;
CREATE INDEX attachments_pending_idx ON attachments (created_at) WHERE conversation_id IS NULL;

-- Removes uploads never attached to a message within `p_older`, across
-- accounts; returns their storage keys so the caller deletes the files.
CREATE FUNCTION take_stale_uploads(p_older interval, p_limit integer)
RETURNS SETOF text
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DELETE FROM attachments a
     WHERE a.id IN (SELECT p.id FROM attachments p
                     WHERE p.conversation_id IS NULL AND p.created_at < now() - p_older
                       AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = p.id)
                     ORDER BY p.created_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING a.storage_key
$$;

-- Snoozes: the sweeper finds them, the domain ends them ----------------------------

-- The SQL sweeper used to reopen conversations itself, building activity
-- lines by hand (which never reached browsers). Now it only says which are
-- due; the domain's one "end the wait" rule does the rest.
DROP FUNCTION wake_snoozed_conversations();
CREATE FUNCTION due_snoozes(p_limit integer)
RETURNS TABLE (account_id uuid, conversation_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT c.account_id, c.id FROM conversations c
     WHERE c.status = 'waiting' AND c.snoozed_until <= now()
     ORDER BY c.snoozed_until LIMIT p_limit
$$;

-- New conversations per channel are budgeted (a flood from one widget).
CREATE INDEX conversations_channel_created_idx ON conversations (channel_id, created_at);

-- Grants for the new functions ------------------------------------------------------

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'user_credentials(text)', 'user_exists(text)', 'sessions_ended(bigint[], interval)',
        'session_authenticate(bytea, interval, interval)',
        'throttle_begin(text[], integer[], integer[], interval)',
        'throttle_succeeded(bigint[], text[])', 'api_token_authenticate(bytea)',
        'take_stale_uploads(interval, integer)', 'due_snoozes(integer)'
    ] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ponte_app', f);
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION audit_chain_head(uuid) TO ponte_app;
