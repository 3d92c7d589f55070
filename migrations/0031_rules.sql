-- The rules engine (issue 13): per account, "when / if / then" rules. An
-- event (a conversation created, a message, a reopening, a low AI score, an
-- SLA breach, a resolution — or the clock: no agent reply for X minutes…)
-- is queued by the triggers below in the transaction that caused it, so no
-- path (agents, flows, webhooks, the API, workers) is forgotten; the
-- workers evaluate the account's rules for it and log what they did.
CREATE TABLE rules (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
    enabled     boolean NOT NULL DEFAULT true,
    position    integer NOT NULL DEFAULT 0,
    event       text NOT NULL CHECK (event IN (
                    'conversation_created', 'message_created', 'conversation_reopened',
                    'keyword_detected', 'negative_sentiment', 'low_ai_score', 'sla_breached',
                    'conversation_resolved', 'no_agent_reply', 'waiting_on_customer',
                    'open_too_long')),
    -- The clock events' X, in minutes.
    after_minutes integer CHECK (after_minutes BETWEEN 1 AND 525600),
    -- keyword_detected's words.
    keywords    text[] NOT NULL DEFAULT '{}',
    -- shared::rules::{Conditions, RuleAction}, validated by the server.
    conditions  jsonb NOT NULL,
    actions     jsonb NOT NULL,
    -- HMAC key of its webhook calls, sealed by the vault ("rule:{id}").
    signing_secret        bytea,
    signing_secret_key_id text,
    failures_in_a_row integer NOT NULL DEFAULT 0,
    disabled_reason text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((after_minutes IS NOT NULL) = (event IN ('no_agent_reply', 'waiting_on_customer', 'open_too_long'))),
    UNIQUE (account_id, id)
);
CREATE INDEX rules_account_idx ON rules (account_id, event, position) WHERE enabled;
CREATE INDEX rules_timed_idx ON rules (event) WHERE enabled AND after_minutes IS NOT NULL;
ALTER TABLE rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY rules_current_account ON rules
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON rules TO ponte_app;

-- The queue: one row per thing that happened in a conversation of an
-- account with a rule listening for it. `depth` counts how many rules led
-- to it (loop protection); `rule_id` is set by the clock, which fires one
-- rule at a time.
CREATE TABLE rule_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL,
    message_id      bigint,
    event           text NOT NULL,
    rule_id         bigint,
    depth           integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX rule_events_due_idx ON rule_events (next_attempt_at, id) WHERE done_at IS NULL;
CREATE INDEX rule_events_done_idx ON rule_events (done_at) WHERE done_at IS NOT NULL;
ALTER TABLE rule_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY rule_events_current_account ON rule_events
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON rule_events TO ponte_app;

-- The execution log: each rule evaluated for an event, its conditions'
-- results, what its actions did, and why it failed.
CREATE TABLE rule_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    rule_id         bigint NOT NULL,
    event           text NOT NULL,
    conversation_id bigint,
    conversation_number bigint,
    outcome         text NOT NULL CHECK (outcome IN ('done', 'not_matched', 'failed', 'loop_stopped')),
    conditions      jsonb NOT NULL DEFAULT '[]',
    actions         jsonb NOT NULL DEFAULT '[]',
    error           text CHECK (char_length(error) <= 500),
    depth           integer NOT NULL DEFAULT 0,
    ran_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (account_id, rule_id) REFERENCES rules (account_id, id) ON DELETE CASCADE
);
CREATE INDEX rule_runs_rule_idx ON rule_runs (account_id, rule_id, id DESC);
ALTER TABLE rule_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY rule_runs_current_account ON rule_runs
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, DELETE ON rule_runs TO ponte_app;

-- A clock rule fires once per episode: one row per (rule, conversation,
-- the moment the episode began — the customer's unanswered message, our
-- last answer, the opening).
CREATE TABLE rule_episodes (
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    rule_id         bigint NOT NULL,
    conversation_id bigint NOT NULL,
    began_at        timestamptz NOT NULL,
    fired_at        timestamptz NOT NULL,
    PRIMARY KEY (rule_id, conversation_id, began_at),
    FOREIGN KEY (account_id, rule_id) REFERENCES rules (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
ALTER TABLE rule_episodes ENABLE ROW LEVEL SECURITY;
CREATE POLICY rule_episodes_current_account ON rule_episodes
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, DELETE ON rule_episodes TO ponte_app;

-- Webhook calls of the "call a webhook" action: queued with the run,
-- made after its commit, retried with backoff.
CREATE TABLE rule_webhook_calls (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    rule_id         bigint NOT NULL,
    url             text NOT NULL,
    body            text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    last_error      text CHECK (char_length(last_error) <= 500),
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (account_id, rule_id) REFERENCES rules (account_id, id) ON DELETE CASCADE
);
CREATE INDEX rule_webhook_calls_due_idx ON rule_webhook_calls (next_attempt_at) WHERE done_at IS NULL;
ALTER TABLE rule_webhook_calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY rule_webhook_calls_current_account ON rule_webhook_calls
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON rule_webhook_calls TO ponte_app;

-- Since when a conversation has been open (its creation, or its latest
-- reopening): "open for more than X" counts from here.
ALTER TABLE conversations ADD COLUMN opened_at timestamptz;
UPDATE conversations SET opened_at = created_at;
ALTER TABLE conversations ALTER COLUMN opened_at SET DEFAULT now();
ALTER TABLE conversations ALTER COLUMN opened_at SET NOT NULL;

-- Rules' alerts ring bells: a rule's "create alert" (its text, about a
-- conversation) and a rule switched off after failing again and again.
ALTER TABLE notifications ADD COLUMN rule_id bigint, ADD COLUMN detail text CHECK (char_length(detail) <= 300);
ALTER TABLE notifications
    ADD CONSTRAINT notifications_rule_same_account
        FOREIGN KEY (account_id, rule_id) REFERENCES rules (account_id, id) ON DELETE CASCADE;
CREATE INDEX notifications_rule_idx ON notifications (rule_id) WHERE rule_id IS NOT NULL;
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'transfer', 'sla_breach', 'flow_handoff', 'low_score', 'connection_down',
                    'ai_provider_failing', 'rule_alert', 'rule_disabled'));

-- A rule's "notify managers" e-mails them too.
ALTER TABLE outgoing_mail DROP CONSTRAINT outgoing_mail_kind_check;
ALTER TABLE outgoing_mail ADD CONSTRAINT outgoing_mail_kind_check
    CHECK (kind IN ('email_confirmation', 'password_reset', 'invitation', 'connection_alert', 'smtp_test',
                    'scheduled_report', 'quality_alert', 'rule_alert'));

-- Queues `p_event` when the account has an enabled rule listening for one
-- of `p_listeners`; the depth is the running rule's plus one (0 when no
-- rule is running), see domain::rules::engine.
CREATE FUNCTION rule_event_queue(p_account uuid, p_conversation bigint, p_message bigint,
                                 p_event text, p_listeners text[])
RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM rules r
                WHERE r.account_id = p_account AND r.enabled AND r.event = ANY (p_listeners)) THEN
        INSERT INTO rule_events (account_id, conversation_id, message_id, event, depth)
        VALUES (p_account, p_conversation, p_message, p_event,
                COALESCE(NULLIF(current_setting('ponte.rule_depth', true), ''), '0')::integer);
        PERFORM pg_notify('ponte_jobs', 'rules');
    END IF;
END
$$;

CREATE FUNCTION conversation_rule_events() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.id, NULL, 'conversation_created',
                                 ARRAY['conversation_created']);
        RETURN NULL;
    END IF;
    IF NEW.status = 'resolved' AND OLD.status IS DISTINCT FROM 'resolved' THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.id, NULL, 'conversation_resolved',
                                 ARRAY['conversation_resolved']);
    END IF;
    IF OLD.status IN ('resolved', 'cancelled') AND NEW.status NOT IN ('resolved', 'cancelled') THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.id, NULL, 'conversation_reopened',
                                 ARRAY['conversation_reopened']);
    END IF;
    IF (NEW.sla_first_response_breached_at IS NOT NULL AND OLD.sla_first_response_breached_at IS NULL)
       OR (NEW.sla_resolution_breached_at IS NOT NULL AND OLD.sla_resolution_breached_at IS NULL)
       OR (NEW.sla_next_response_breached_at IS DISTINCT FROM OLD.sla_next_response_breached_at
           AND NEW.sla_next_response_breached_at IS NOT NULL) THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.id, NULL, 'sla_breached', ARRAY['sla_breached']);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER conversations_rule_events_insert AFTER INSERT ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_rule_events();
CREATE TRIGGER conversations_rule_events_update
    AFTER UPDATE OF status, sla_first_response_breached_at, sla_resolution_breached_at,
                    sla_next_response_breached_at ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_rule_events();

CREATE FUNCTION conversation_opened_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF OLD.status IN ('resolved', 'cancelled') AND NEW.status NOT IN ('resolved', 'cancelled') THEN
        NEW.opened_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER conversations_opened_at BEFORE UPDATE OF status ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_opened_at();

-- A customer's or the team's message (notes and timeline lines are not
-- messages to rules); keyword and sentiment rules read the customer's.
CREATE FUNCTION message_rule_events() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF NEW.kind = 'incoming' THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.conversation_id, NEW.id, 'message_created',
                                 ARRAY['message_created', 'keyword_detected', 'negative_sentiment']);
    ELSIF NEW.kind = 'outgoing' THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.conversation_id, NEW.id, 'message_created',
                                 ARRAY['message_created']);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_rule_events AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION message_rule_events();

-- The AI scored a resolution under the threshold it was held to.
CREATE FUNCTION quality_review_rule_events() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF NEW.score IS NOT NULL AND OLD.score IS NULL AND NEW.score < NEW.threshold THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.conversation_id, NULL, 'low_ai_score',
                                 ARRAY['low_ai_score']);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER quality_reviews_rule_events AFTER UPDATE OF score ON quality_reviews
    FOR EACH ROW EXECUTE FUNCTION quality_review_rule_events();

-- Events whose time came, every account; claiming leases them.
CREATE FUNCTION claim_rule_events(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (id bigint, account_id uuid, attempts integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE rule_events e
       SET attempts = e.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE e.id IN (SELECT r.id FROM rule_events r
                     WHERE r.done_at IS NULL AND r.next_attempt_at <= now()
                     ORDER BY r.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING e.id, e.account_id, e.attempts
$$;
REVOKE ALL ON FUNCTION claim_rule_events(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_rule_events(integer, integer) TO ponte_app;

-- Webhook calls whose time came, every account.
CREATE FUNCTION claim_rule_webhook_calls(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (id bigint, account_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE rule_webhook_calls w
       SET attempts = w.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE w.id IN (SELECT c.id FROM rule_webhook_calls c
                     WHERE c.done_at IS NULL AND c.next_attempt_at <= now()
                     ORDER BY c.next_attempt_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING w.id, w.account_id
$$;
REVOKE ALL ON FUNCTION claim_rule_webhook_calls(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_rule_webhook_calls(integer, integer) TO ponte_app;

-- The clock rules, every account, for the sweeper: which conversations
-- reached a rule's X in their current episode and were not fired for it.
-- `p_now` is the sweeper's clock (tests move it).
CREATE FUNCTION due_rule_episodes(p_now timestamptz, p_limit integer)
RETURNS TABLE (account_id uuid, rule_id bigint, event text, conversation_id bigint, began_at timestamptz)
    LANGUAGE sql SECURITY DEFINER STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT r.account_id, r.id, r.event, c.id, e.began_at
      FROM rules r
      JOIN conversations c ON c.account_id = r.account_id
           AND c.status IN ('open', 'in_progress', 'waiting')
      CROSS JOIN LATERAL (
          SELECT CASE r.event
                   WHEN 'no_agent_reply' THEN c.waiting_since
                   -- Since a person's answer (not a bot's or a rule's own
                   -- reminder, which would start the episode again), and
                   -- not before the conversation was last opened.
                   WHEN 'waiting_on_customer' THEN
                       CASE WHEN c.waiting_since IS NULL THEN
                           (SELECT GREATEST(max(m.created_at), c.opened_at) FROM messages m
                             WHERE m.conversation_id = c.id AND m.kind = 'outgoing'
                               AND m.sender_user_id IS NOT NULL
                            HAVING max(m.created_at) IS NOT NULL)
                       END
                   WHEN 'open_too_long' THEN c.opened_at
                 END AS began_at) e
     WHERE r.enabled AND r.after_minutes IS NOT NULL
       AND e.began_at IS NOT NULL
       AND e.began_at <= p_now - make_interval(mins => r.after_minutes)
       AND NOT EXISTS (SELECT 1 FROM rule_episodes x
                        WHERE x.rule_id = r.id AND x.conversation_id = c.id AND x.began_at = e.began_at)
     ORDER BY e.began_at
     LIMIT p_limit
$$;
REVOKE ALL ON FUNCTION due_rule_episodes(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION due_rule_episodes(timestamptz, integer) TO ponte_app;

-- Forgets what rules no longer need, every account: events done a day
-- ago, log lines after 30 days, episodes of conversations closed a day
-- ago, webhook calls finished a week ago. Returns the rows removed.
CREATE FUNCTION prune_rules_history() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    removed bigint := 0;
    n bigint;
BEGIN
    DELETE FROM rule_events WHERE done_at < now() - interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT; removed := removed + n;
    DELETE FROM rule_runs WHERE ran_at < now() - interval '30 days';
    GET DIAGNOSTICS n = ROW_COUNT; removed := removed + n;
    DELETE FROM rule_episodes e USING conversations c
     WHERE c.id = e.conversation_id AND c.status IN ('resolved', 'cancelled')
       AND c.resolved_at < now() - interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT; removed := removed + n;
    DELETE FROM rule_webhook_calls WHERE done_at < now() - interval '7 days';
    GET DIAGNOSTICS n = ROW_COUNT; removed := removed + n;
    RETURN removed;
END
$$;
REVOKE ALL ON FUNCTION prune_rules_history() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prune_rules_history() TO ponte_app;
