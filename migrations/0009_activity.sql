-- Agent activity: work sessions, the inactivity periods inside them, and the
-- account's rules for idleness. Active time = a session's length minus its
-- inactivity (domain/src/activity/clock.rs; docs/METRICS.md).

ALTER TABLE accounts
    ADD COLUMN idle_timeout_minutes integer NOT NULL DEFAULT 10
        CHECK (idle_timeout_minutes BETWEEN 1 AND 240),
    ADD COLUMN auto_logout boolean NOT NULL DEFAULT false,
    ADD COLUMN auto_logout_extra_minutes integer NOT NULL DEFAULT 15
        CHECK (auto_logout_extra_minutes BETWEEN 1 AND 480),
    ADD COLUMN server_idle_threshold_minutes integer NOT NULL DEFAULT 20
        CHECK (server_idle_threshold_minutes BETWEEN 2 AND 1440);

-- From sign-in (or the first sign of life after being offline) to sign-out,
-- auto-logout or the browser going silent. One open session per agent and
-- account, whatever the number of tabs and devices.
CREATE TABLE work_sessions (
    id           bigserial PRIMARY KEY,
    account_id   uuid NOT NULL,
    user_id      uuid NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    -- The last time a browser of this agent said anything.
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz,
    end_reason   text CHECK (end_reason IN ('sign_out', 'auto_logout', 'heartbeat_lost')),
    CONSTRAINT work_sessions_end_has_reason CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CONSTRAINT work_sessions_ordered CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT work_sessions_member
        FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE,
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX work_sessions_open_idx ON work_sessions (account_id, user_id) WHERE ended_at IS NULL;
CREATE INDEX work_sessions_agent_started_idx ON work_sessions (account_id, user_id, started_at);
CREATE INDEX work_sessions_account_started_idx ON work_sessions (account_id, started_at);
CREATE INDEX work_sessions_silent_idx ON work_sessions (last_seen_at) WHERE ended_at IS NULL;

-- Time inside a work session that is not active: idle (no input past the
-- account's timeout), hidden (no Ponte tab visible), away (the agent said
-- so), heartbeat_lost (the browser went silent). At most one open at a time.
CREATE TABLE inactivity_periods (
    id              bigserial PRIMARY KEY,
    account_id      uuid NOT NULL,
    work_session_id bigint NOT NULL,
    user_id         uuid NOT NULL,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    reason          text NOT NULL CHECK (reason IN ('idle', 'hidden', 'away', 'heartbeat_lost')),
    CONSTRAINT inactivity_periods_ordered CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT inactivity_periods_session
        FOREIGN KEY (account_id, work_session_id) REFERENCES work_sessions (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX inactivity_periods_open_idx ON inactivity_periods (work_session_id) WHERE ended_at IS NULL;
CREATE INDEX inactivity_periods_session_idx ON inactivity_periods (work_session_id, started_at);
CREATE INDEX inactivity_periods_agent_started_idx ON inactivity_periods (account_id, user_id, started_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['work_sessions', 'inactivity_periods'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account())',
            t || '_current_account', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO ponte_app', t);
        EXECUTE format('GRANT USAGE ON SEQUENCE %I TO ponte_app', t || '_id_seq');
    END LOOP;
END
$$;

-- Open work sessions whose browsers went silent longer than `p_grace` and
-- that still need the sweeper: not yet marked inactive, or silent past the
-- account's threshold (they go offline). Across accounts; the domain's rules
-- (activity::sweep_silent) do the rest.
CREATE FUNCTION silent_work_sessions(p_grace interval, p_limit integer)
RETURNS TABLE (account_id uuid, user_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT w.account_id, w.user_id
      FROM work_sessions w
      JOIN accounts a ON a.id = w.account_id
     WHERE w.ended_at IS NULL
       AND w.last_seen_at < now() - p_grace
       AND (w.last_seen_at < now() - make_interval(mins => a.server_idle_threshold_minutes)
            OR NOT EXISTS (SELECT 1 FROM inactivity_periods p
                            WHERE p.work_session_id = w.id AND p.ended_at IS NULL))
     ORDER BY w.last_seen_at
     LIMIT p_limit
$$;
REVOKE ALL ON FUNCTION silent_work_sessions(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION silent_work_sessions(interval, integer) TO ponte_app;

-- What agents did, recorded when it happens (domain/src/productivity.rs): the
-- raw material of the dashboard's figures and the reports. `seconds` is the
-- time since the conversation began, for a first response and a resolution.
CREATE TABLE productivity_events (
    id              bigserial PRIMARY KEY,
    account_id      uuid NOT NULL,
    user_id         uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('conversation_resolved', 'first_response', 'message_sent',
                                                  'conversation_transferred', 'note_added')),
    conversation_id bigint NOT NULL,
    channel_id      bigint NOT NULL,
    department_id   bigint,
    seconds         integer CHECK (seconds >= 0),
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT productivity_events_conversation
        FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX productivity_events_account_time_idx ON productivity_events (account_id, occurred_at);
CREATE INDEX productivity_events_agent_time_idx ON productivity_events (account_id, user_id, occurred_at);
ALTER TABLE productivity_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY productivity_events_current_account ON productivity_events
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT ON productivity_events TO ponte_app;
GRANT USAGE ON SEQUENCE productivity_events_id_seq TO ponte_app;

-- Interaction categories: a tree per account (parent → children, three levels
-- at most: shared/src/categories.rs), picked at wrap-up. Deactivated ones stay
-- on the conversations that used them.
CREATE TABLE categories (
    id          bigserial PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    parent_id   bigint,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id),
    CONSTRAINT categories_parent_same_account
        FOREIGN KEY (account_id, parent_id) REFERENCES categories (account_id, id),
    CONSTRAINT categories_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX categories_name_idx ON categories (account_id, lower(name));

CREATE TABLE conversation_categories (
    account_id      uuid NOT NULL,
    conversation_id bigint NOT NULL,
    category_id     bigint NOT NULL,
    chosen_by       uuid,
    chosen_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, category_id),
    CONSTRAINT conversation_categories_conversation
        FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    CONSTRAINT conversation_categories_category
        FOREIGN KEY (account_id, category_id) REFERENCES categories (account_id, id)
);
CREATE INDEX conversation_categories_category_idx ON conversation_categories (account_id, category_id);

-- Resolving needs a category: always, or on these kinds of channel.
ALTER TABLE accounts
    ADD COLUMN categories_required boolean NOT NULL DEFAULT false,
    ADD COLUMN categories_required_channel_kinds text[] NOT NULL DEFAULT '{}';

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['categories', 'conversation_categories'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account())',
            t || '_current_account', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE ON categories TO ponte_app;
GRANT USAGE ON SEQUENCE categories_id_seq TO ponte_app;
GRANT SELECT, INSERT, DELETE ON conversation_categories TO ponte_app;
