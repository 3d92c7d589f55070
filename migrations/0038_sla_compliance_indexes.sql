-- The dashboard's SLA compliance counts the clocks that ended in a period:
-- a first response (answered or breached) and a resolution (resolved or
-- breached), each found by when it ended instead of by scanning every
-- conversation with a clock.
CREATE INDEX conversations_first_response_ended_idx ON conversations
    (account_id, (COALESCE(sla_first_response_breached_at, first_response_at)))
    WHERE sla_first_response_due_at IS NOT NULL;
CREATE INDEX conversations_resolution_ended_idx ON conversations
    (account_id, (COALESCE(sla_resolution_breached_at, resolved_at)))
    WHERE sla_resolution_due_at IS NOT NULL;
