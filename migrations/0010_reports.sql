-- Reports and the dashboard read productivity events by period. Two things
-- are settled once, when an event is recorded, instead of at every read:
-- a resolution's handling time and whether it was a first-contact
-- resolution (definitions: docs/METRICS.md), and agents' replies per hour.

ALTER TABLE productivity_events
    -- Resolutions only: seconds from the conversation's first response to
    -- this resolution (NULL without a first response).
    ADD COLUMN handling_seconds integer CHECK (handling_seconds >= 0),
    -- Resolutions only: the conversation was neither resolved nor
    -- transferred before.
    ADD COLUMN first_contact boolean;

CREATE INDEX productivity_events_conversation_idx
    ON productivity_events (conversation_id, kind, occurred_at);
-- One kind over a period (resolutions, first responses), from the index alone.
CREATE INDEX productivity_events_kind_time_idx
    ON productivity_events (account_id, kind, occurred_at)
    INCLUDE (user_id, conversation_id, channel_id, seconds, handling_seconds, first_contact);
-- The dashboard's counts of new conversations (by day, channel, department,
-- weekday and hour) and of those open now, from the indexes alone.
CREATE INDEX conversations_created_idx ON conversations (account_id, created_at)
    INCLUDE (channel_id, department_id, assignee_id);
CREATE INDEX conversations_open_idx ON conversations (account_id, status)
    INCLUDE (assignee_id, department_id) WHERE status IN ('open', 'in_progress', 'waiting');

-- Every insert path (the domain, the demo's history, the load generator)
-- gets the same rule. Earlier rows of the same statement are visible here,
-- so a bulk insert must list a conversation's events in time order.
CREATE FUNCTION productivity_event_outcome() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF NEW.kind = 'conversation_resolved' THEN
        SELECT greatest(NEW.seconds - min(r.seconds), 0) INTO NEW.handling_seconds
          FROM productivity_events r
         WHERE r.conversation_id = NEW.conversation_id AND r.kind = 'first_response'
           AND r.occurred_at <= NEW.occurred_at
        HAVING count(*) > 0;
        NEW.first_contact := NOT EXISTS (
            SELECT 1 FROM productivity_events o
             WHERE o.conversation_id = NEW.conversation_id AND o.occurred_at < NEW.occurred_at
               AND o.kind IN ('conversation_resolved', 'conversation_transferred'));
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER productivity_events_outcome BEFORE INSERT ON productivity_events
    FOR EACH ROW EXECUTE FUNCTION productivity_event_outcome();

-- Agents' replies per hour, kept as they are recorded: the dashboard's
-- "messages per hour" without reading every reply.
CREATE TABLE agent_hourly_messages (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    hour       timestamptz NOT NULL,
    messages   integer NOT NULL DEFAULT 0 CHECK (messages >= 0),
    PRIMARY KEY (account_id, hour, user_id)
);
ALTER TABLE agent_hourly_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY agent_hourly_messages_current_account ON agent_hourly_messages
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON agent_hourly_messages TO ponte_app;

CREATE FUNCTION productivity_event_hourly() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF NEW.kind = 'message_sent' THEN
        INSERT INTO agent_hourly_messages (account_id, user_id, hour, messages)
        VALUES (NEW.account_id, NEW.user_id, date_trunc('hour', NEW.occurred_at, 'UTC'), 1)
        ON CONFLICT (account_id, hour, user_id)
        DO UPDATE SET messages = agent_hourly_messages.messages + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER productivity_events_hourly AFTER INSERT ON productivity_events
    FOR EACH ROW EXECUTE FUNCTION productivity_event_hourly();
