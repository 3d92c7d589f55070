-- Rules may start when a conversation is assigned to someone (by a person,
-- a rule, a flow or the service desk's distribution): `conversation_assigned`.

ALTER TABLE rules DROP CONSTRAINT rules_event_check;
ALTER TABLE rules ADD CONSTRAINT rules_event_check CHECK (event IN (
    'conversation_created', 'message_created', 'conversation_reopened',
    'keyword_detected', 'negative_sentiment', 'low_ai_score', 'sla_breached',
    'conversation_resolved', 'no_agent_reply', 'waiting_on_customer',
    'open_too_long', 'conversation_assigned'));

CREATE OR REPLACE FUNCTION conversation_rule_events() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.id, NULL, 'conversation_created',
                                 ARRAY['conversation_created']);
        IF NEW.assignee_id IS NOT NULL THEN
            PERFORM rule_event_queue(NEW.account_id, NEW.id, NULL, 'conversation_assigned',
                                     ARRAY['conversation_assigned']);
        END IF;
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
    IF NEW.assignee_id IS NOT NULL AND NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
        PERFORM rule_event_queue(NEW.account_id, NEW.id, NULL, 'conversation_assigned',
                                 ARRAY['conversation_assigned']);
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

DROP TRIGGER conversations_rule_events_update ON conversations;
CREATE TRIGGER conversations_rule_events_update
    AFTER UPDATE OF status, assignee_id, sla_first_response_breached_at, sla_resolution_breached_at,
                    sla_next_response_breached_at ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_rule_events();
