-- E-mail: the outgoing mail queue (system mail and, later, account mail),
-- e-mail confirmation and password reset.

-- SMTP accounts ------------------------------------------------------------------

-- An account's own SMTP servers; the default one sends the account's mail
-- (invitations, alerts), else the server-wide PONTE_SMTP_URL does.
CREATE TABLE smtp_accounts (
    id               bigserial PRIMARY KEY,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    host             text NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    port             integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    security         text NOT NULL CHECK (security IN ('none', 'starttls', 'tls')),
    username         text NOT NULL DEFAULT '' CHECK (length(username) <= 254),
    -- The password, sealed like connection credentials (NULL: none).
    password         bytea,
    password_key_id  text,
    from_name        text NOT NULL DEFAULT '' CHECK (length(from_name) <= 80),
    from_address     text NOT NULL CHECK (length(from_address) BETWEEN 3 AND 254),
    is_default       boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX smtp_accounts_one_default ON smtp_accounts (account_id) WHERE is_default;
ALTER TABLE smtp_accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY smtp_accounts_current_account ON smtp_accounts
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON smtp_accounts TO ponte_app;
GRANT USAGE ON SEQUENCE smtp_accounts_id_seq TO ponte_app;

-- Outgoing mail ----------------------------------------------------------------

-- Every mail Ponte sends: queued in the transaction that decides to send it,
-- sent by workers (SKIP LOCKED) with retries, and kept as the send log. The
-- text and HTML are sealed (they carry one-time links) and wiped once sent.
CREATE TABLE outgoing_mail (
    id              bigserial PRIMARY KEY,
    -- NULL: mail that belongs to no account (sign-up confirmation, password reset).
    account_id      uuid REFERENCES accounts (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('email_confirmation', 'password_reset', 'invitation',
                                                  'connection_alert')),
    -- The account's SMTP server that sends it; NULL: the server-wide one.
    smtp_account_id bigint,
    to_address      text NOT NULL CHECK (length(to_address) BETWEEN 3 AND 254),
    subject         text NOT NULL,
    content         bytea NOT NULL,
    content_key_id  text NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    CONSTRAINT outgoing_mail_smtp_same_account FOREIGN KEY (account_id, smtp_account_id)
        REFERENCES smtp_accounts (account_id, id) ON DELETE SET NULL (smtp_account_id)
);
CREATE INDEX outgoing_mail_due_idx ON outgoing_mail (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outgoing_mail_account_idx ON outgoing_mail (account_id, id DESC);
ALTER TABLE outgoing_mail ENABLE ROW LEVEL SECURITY;
CREATE POLICY outgoing_mail_current_account ON outgoing_mail
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
-- Mail of no account can be queued by anyone, and read by no one but the
-- workers' functions below.
CREATE POLICY outgoing_mail_queue_system ON outgoing_mail FOR INSERT WITH CHECK (account_id IS NULL);
GRANT SELECT, INSERT ON outgoing_mail TO ponte_app;
GRANT USAGE ON SEQUENCE outgoing_mail_id_seq TO ponte_app;

-- Mail that the server-wide SMTP server would send is claimed only when
-- there is one (p_system_smtp).
CREATE FUNCTION claim_outgoing_mail(p_limit integer, p_lease_seconds integer, p_system_smtp boolean)
RETURNS TABLE (id bigint, account_id uuid, smtp_account_id bigint, kind text, to_address text,
               subject text, content bytea, content_key_id text, attempts integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE outgoing_mail m
       SET attempts = m.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE m.id IN (SELECT q.id FROM outgoing_mail q
                     WHERE q.state = 'pending' AND q.next_attempt_at <= now()
                       AND (q.smtp_account_id IS NOT NULL OR p_system_smtp)
                     ORDER BY q.next_attempt_at, q.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING m.id, m.account_id, m.smtp_account_id, m.kind, m.to_address, m.subject, m.content, m.content_key_id, m.attempts
$$;

-- Records a send's outcome: sent (its content wiped), or the error and a
-- retry with exponential back-off (30 s, 60 s, … capped at 1 h), failed
-- for good after p_max_attempts.
CREATE FUNCTION finish_outgoing_mail(p_id bigint, p_error text, p_max_attempts integer)
RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE outgoing_mail
       SET state = CASE WHEN p_error IS NULL THEN 'sent'
                        WHEN attempts >= p_max_attempts THEN 'failed'
                        ELSE 'pending' END,
           sent_at = CASE WHEN p_error IS NULL THEN now() END,
           content = CASE WHEN p_error IS NULL THEN '\x'::bytea ELSE content END,
           last_error = left(p_error, 1000),
           next_attempt_at = now() + least(interval '1 hour', interval '15 seconds' * power(2, attempts))
     WHERE id = p_id AND state = 'pending'
$$;

-- Connection alerts -------------------------------------------------------------

-- When the account's admins were e-mailed about the connection's current
-- incident; cleared when it connects again, so the next incident mails again.
ALTER TABLE channels ADD COLUMN health_alerted_at timestamptz;
UPDATE channels SET health_alerted_at = now() WHERE health = 'disconnected';
CREATE INDEX channels_alert_due_idx ON channels (id)
    WHERE health = 'disconnected' AND health_alerted_at IS NULL;

-- Connections that went down and whose admins were not told yet: marked as
-- told in the caller's transaction, which queues the mail (a rollback
-- un-marks them).
CREATE FUNCTION due_connection_alerts(p_limit integer)
RETURNS TABLE (account_id uuid, channel_id bigint, name text, detail text)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE channels c SET health_alerted_at = now()
     WHERE c.id IN (SELECT d.id FROM channels d
                     WHERE d.health = 'disconnected' AND d.health_alerted_at IS NULL AND d.active
                     ORDER BY d.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING c.account_id, c.id, c.name, c.health_detail
$$;

-- E-mail confirmation ---------------------------------------------------------

-- Logins from before confirmation existed, and the demo's, count as confirmed.
ALTER TABLE users ADD COLUMN email_confirmed_at timestamptz;
UPDATE users SET email_confirmed_at = created_at;
GRANT SELECT (email_confirmed_at) ON users TO ponte_app;

-- One-time links: only their SHA-256 is stored.
CREATE TABLE email_confirmations (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX email_confirmations_user_idx ON email_confirmations (user_id);
ALTER TABLE email_confirmations ENABLE ROW LEVEL SECURITY;
CREATE POLICY email_confirmations_own ON email_confirmations
    USING (user_id = app_current_user()) WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE ON email_confirmations TO ponte_app;

-- Confirms the address a link was sent to (if it is still the user's);
-- returns the user, or nothing for an unknown, used or expired link.
CREATE FUNCTION email_confirm(p_token_hash bytea)
RETURNS TABLE (user_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    WITH used AS (
        UPDATE email_confirmations c SET used_at = now()
         WHERE c.token_hash = p_token_hash AND c.used_at IS NULL AND c.expires_at > now()
     RETURNING c.user_id, c.email
    )
    UPDATE users u SET email_confirmed_at = coalesce(u.email_confirmed_at, now())
      FROM used WHERE u.id = used.user_id AND u.email = used.email
 RETURNING u.id
$$;

-- Password reset --------------------------------------------------------------

CREATE TABLE password_resets (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
-- No policy grants anything: only the two functions below touch it.
CREATE POLICY password_resets_none ON password_resets USING (false);

-- Starts a reset for an address: the user's earlier links stop working and
-- a new one (its hash) is stored. Returns who to write to, in which language;
-- nothing for an unknown address.
CREATE FUNCTION password_reset_start(p_email text, p_token_hash bytea, p_valid_for interval)
RETURNS TABLE (user_id uuid, name text, locale text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    person users%ROWTYPE;
BEGIN
    SELECT * INTO person FROM users WHERE email = p_email;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE password_resets SET used_at = now() WHERE password_resets.user_id = person.id AND used_at IS NULL;
    INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (p_token_hash, person.id, now() + p_valid_for);
    RETURN QUERY SELECT person.id, person.name, person.locale;
END
$$;

-- Uses a reset link once: the new password, the address confirmed (the link
-- reached it), every session ended. Returns the user, or nothing for an
-- unknown, used or expired link.
CREATE FUNCTION password_reset_finish(p_token_hash bytea, p_password_hash text)
RETURNS TABLE (user_id uuid, email text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    who uuid;
BEGIN
    UPDATE password_resets r SET used_at = now()
     WHERE r.token_hash = p_token_hash AND r.used_at IS NULL AND r.expires_at > now()
     RETURNING r.user_id INTO who;
    IF who IS NULL THEN
        RETURN;
    END IF;
    UPDATE users u SET password_hash = p_password_hash, updated_at = now(),
                       email_confirmed_at = coalesce(u.email_confirmed_at, now())
     WHERE u.id = who;
    UPDATE sessions s SET revoked_at = now() WHERE s.user_id = who AND s.revoked_at IS NULL;
    RETURN QUERY SELECT u.id, u.email FROM users u WHERE u.id = who;
END
$$;

-- The session carries whether the address is confirmed (the inbox's banner).
DROP FUNCTION session_authenticate(bytea, interval, interval);
CREATE FUNCTION session_authenticate(p_token_hash bytea, p_idle_timeout interval, p_max_age interval)
RETURNS TABLE (session_id bigint, user_id uuid, account_id uuid, role text,
               user_name text, user_email text, user_locale text, user_theme text,
               account_name text, account_slug text, account_locale text, account_theme text,
               account_utc_offset_minutes integer, user_email_confirmed boolean)
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
           (extract(epoch FROM (now() AT TIME ZONE a.timezone) - (now() AT TIME ZONE 'UTC')) / 60)::integer,
           u.email_confirmed_at IS NOT NULL
      FROM sessions s
      JOIN users u ON u.id = s.user_id
      JOIN memberships m ON m.user_id = s.user_id AND m.account_id = s.account_id AND m.active
      JOIN accounts a ON a.id = s.account_id
     WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
       AND s.created_at > now() - p_max_age;
END
$$;

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'claim_outgoing_mail(integer, integer, boolean)', 'finish_outgoing_mail(bigint, text, integer)',
        'email_confirm(bytea)', 'due_connection_alerts(integer)', 'password_reset_start(text, bytea, interval)',
        'password_reset_finish(bytea, text)', 'session_authenticate(bytea, interval, interval)'
    ] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ponte_app', f);
    END LOOP;
END
$$;
