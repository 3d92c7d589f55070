-- Foundation: accounts (tenants), people, sessions, API tokens, the audit log.
--
-- Tenancy has two walls. The domain layer filters every query by account, and
-- PostgreSQL row-level security enforces it again: the server's runtime role
-- (ponte_app) is neither a superuser nor the owner of these tables, and every
-- transaction sets `app.account_id` (and `app.user_id`) with SET LOCAL.
-- Migrations run as the owner, which RLS does not restrict.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ponte_app') THEN
        CREATE ROLE ponte_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO ponte_app;
GRANT SELECT ON _sqlx_migrations TO ponte_app;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The account and user the current transaction acts for; NULL when unset, so
-- a policy comparing against them matches nothing.
CREATE FUNCTION app_current_account() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.account_id', true), '')::uuid $$;

CREATE FUNCTION app_current_user() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- Accounts -------------------------------------------------------------------

CREATE TABLE accounts (
    id             uuid PRIMARY KEY,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    slug           text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    support_email  text,
    timezone       text NOT NULL DEFAULT 'America/Sao_Paulo',
    default_locale text NOT NULL DEFAULT 'pt-BR' CHECK (default_locale IN ('pt-BR', 'en')),
    default_theme  text NOT NULL DEFAULT 'system' CHECK (default_theme IN ('system', 'light', 'dark')),
    attachment_limit_mb integer NOT NULL DEFAULT 16 CHECK (attachment_limit_mb BETWEEN 1 AND 100),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- People ---------------------------------------------------------------------

-- A person's login. Users span accounts, so this is an identity table rather
-- than a tenant table: what an account sees of its people goes through
-- memberships, which are tenant rows.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email)),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    password_hash text NOT NULL,
    locale        text CHECK (locale IN ('pt-BR', 'en')),
    theme         text NOT NULL DEFAULT 'system' CHECK (theme IN ('system', 'light', 'dark')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('global_admin', 'supervisor', 'agent', 'auditor', 'bot')),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

-- Server-side sessions. The browser holds a random token; only its SHA-256
-- is stored. `account_id` is the account the session is currently working in.
CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    ip           text,
    user_agent   text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Failed sign-ins, counted per e-mail and per IP over a sliding window.
CREATE TABLE login_failures (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    throttle_key text NOT NULL,
    failed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_idx ON login_failures (throttle_key, failed_at);

CREATE TABLE invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email)),
    role        text NOT NULL CHECK (role IN ('global_admin', 'supervisor', 'agent', 'auditor', 'bot')),
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX invitations_account_idx ON invitations (account_id, created_at DESC);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    prefix       text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_account_idx ON api_tokens (account_id, user_id);

-- Audit log: append-only and hash-chained per account ------------------------
--
-- Each entry stores the hash of the previous entry of its chain (one chain per
-- account; account_id NULL is the platform chain, e.g. failed sign-ins for
-- unknown e-mails) and its own hash over its content and that previous hash.
-- `ponte audit verify` recomputes every hash independently, in Rust.

CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    uuid REFERENCES accounts (id),
    seq           bigint NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
    actor_user_id uuid,
    actor_label   text NOT NULL,
    action        text NOT NULL,
    target_type   text,
    target_id     text,
    details       jsonb NOT NULL DEFAULT '{}',
    ip            text,
    prev_hash     bytea,
    hash          bytea NOT NULL
);
CREATE UNIQUE INDEX audit_log_chain_idx
    ON audit_log (COALESCE(account_id, '00000000-0000-0000-0000-000000000000'::uuid), seq);
CREATE INDEX audit_log_account_created_idx ON audit_log (account_id, created_at DESC);
CREATE INDEX audit_log_account_actor_idx ON audit_log (account_id, actor_user_id, seq DESC);
CREATE INDEX audit_log_account_action_idx ON audit_log (account_id, action, seq DESC);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- The text an entry's hash covers. Kept in one place; the Rust verifier
-- builds the same string field by field.
CREATE FUNCTION audit_entry_material(
    p_account_id uuid, p_seq bigint, p_created_at timestamptz, p_actor_user_id uuid,
    p_actor_label text, p_action text, p_target_type text, p_target_id text,
    p_details jsonb, p_ip text, p_prev_hash bytea
) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT concat_ws(E'\x1f',
        COALESCE(p_account_id::text, ''),
        p_seq::text,
        (extract(epoch FROM p_created_at) * 1000)::bigint::text,
        COALESCE(p_actor_user_id::text, ''),
        p_actor_label,
        p_action,
        COALESCE(p_target_type, ''),
        COALESCE(p_target_id, ''),
        p_details::text,
        COALESCE(p_ip, ''),
        COALESCE(encode(p_prev_hash, 'hex'), ''))
$$;

-- Appends one entry to a chain. SECURITY DEFINER because the runtime role may
-- not insert into audit_log directly (nor read other chains to find their
-- head); the function still refuses to write into an account other than the
-- one the transaction acts for.
CREATE FUNCTION audit_append(
    p_account_id uuid, p_actor_user_id uuid, p_actor_label text, p_action text,
    p_target_type text, p_target_id text, p_details jsonb, p_ip text
) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
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

    SELECT hash, seq INTO v_prev_hash, v_seq
      FROM audit_log
     WHERE account_id IS NOT DISTINCT FROM p_account_id
     ORDER BY seq DESC
     LIMIT 1;
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

-- Lookups that must work before the tenant is known --------------------------
-- Each returns only what the caller proved it holds a secret for.

CREATE FUNCTION invitation_by_token(p_token_hash bytea)
RETURNS TABLE (id bigint, account_id uuid, account_name text, email text, role text,
               expires_at timestamptz, accepted_at timestamptz, revoked_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT i.id, i.account_id, a.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
      FROM invitations i JOIN accounts a ON a.id = i.account_id
     WHERE i.token_hash = p_token_hash
$$;

-- Resolves a session cookie to its user, account and role in one round trip,
-- sliding the expiry forward at most every five minutes. A revoked or expired
-- session, a deactivated membership: no row.
CREATE FUNCTION session_authenticate(p_token_hash bytea, p_idle_timeout interval)
RETURNS TABLE (session_id bigint, user_id uuid, account_id uuid, role text,
               user_name text, user_email text, user_locale text, user_theme text,
               account_name text, account_slug text, account_locale text, account_theme text,
               account_utc_offset_minutes integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    UPDATE sessions s
       SET last_seen_at = now(), expires_at = now() + p_idle_timeout
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
     WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now();
END
$$;

-- Same for a REST API bearer token.
CREATE FUNCTION api_token_authenticate(p_token_hash bytea)
RETURNS TABLE (token_id bigint, user_id uuid, account_id uuid, role text,
               user_name text, user_email text, account_name text, account_slug text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    UPDATE api_tokens t SET last_used_at = now()
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL
       AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute');
    RETURN QUERY
    SELECT t.id, u.id, a.id, m.role, u.name, u.email, a.name, a.slug
      FROM api_tokens t
      JOIN users u ON u.id = t.user_id
      JOIN memberships m ON m.user_id = t.user_id AND m.account_id = t.account_id AND m.active
      JOIN accounts a ON a.id = t.account_id
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL;
END
$$;

-- The accounts the current user may switch to, with their role in each.
CREATE FUNCTION my_memberships()
RETURNS TABLE (account_id uuid, account_name text, account_slug text, role text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT a.id, a.name, a.slug, m.role
      FROM memberships m JOIN accounts a ON a.id = m.account_id
     WHERE m.user_id = app_current_user() AND m.active
     ORDER BY a.name
$$;

REVOKE ALL ON FUNCTION audit_append(uuid, uuid, text, text, text, text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION invitation_by_token(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION session_authenticate(bytea, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION api_token_authenticate(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION my_memberships() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append(uuid, uuid, text, text, text, text, jsonb, text) TO ponte_app;
GRANT EXECUTE ON FUNCTION invitation_by_token(bytea) TO ponte_app;
GRANT EXECUTE ON FUNCTION session_authenticate(bytea, interval) TO ponte_app;
GRANT EXECUTE ON FUNCTION api_token_authenticate(bytea) TO ponte_app;
GRANT EXECUTE ON FUNCTION my_memberships() TO ponte_app;

-- Row-level security ----------------------------------------------------------

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY accounts_current ON accounts
    USING (id = app_current_account())
    WITH CHECK (id = app_current_account());

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY memberships_current_account ON memberships
    USING (account_id = app_current_account())
    WITH CHECK (account_id = app_current_account());

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY invitations_current_account ON invitations
    USING (account_id = app_current_account())
    WITH CHECK (account_id = app_current_account());

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_current_account ON api_tokens
    USING (account_id = app_current_account())
    WITH CHECK (account_id = app_current_account());

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read_current_account ON audit_log
    FOR SELECT USING (account_id = app_current_account());

-- Privileges of the runtime role ----------------------------------------------

GRANT SELECT, INSERT, UPDATE ON accounts TO ponte_app;
GRANT SELECT, INSERT, UPDATE ON users TO ponte_app;
GRANT SELECT, INSERT, UPDATE ON memberships TO ponte_app;
GRANT SELECT, INSERT, UPDATE ON sessions TO ponte_app;
GRANT SELECT, INSERT, DELETE ON login_failures TO ponte_app;
GRANT SELECT, INSERT, UPDATE ON invitations TO ponte_app;
GRANT SELECT, INSERT, UPDATE ON api_tokens TO ponte_app;
GRANT SELECT ON audit_log TO ponte_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_log FROM ponte_app;
