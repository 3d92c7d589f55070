-- SLA, second part (domain/src/service_desk/sla/): a next-response target
-- (each time the customer writes after the first answer, an agent answers
-- within N minutes), and policies chosen by the conversation's priority.

ALTER TABLE sla_policies
    ADD COLUMN next_response_minutes integer CHECK (next_response_minutes BETWEEN 1 AND 525600);

-- A department's policy for one priority, in place of its default one.
CREATE TABLE department_sla_policies (
    account_id    uuid NOT NULL,
    department_id bigint NOT NULL,
    priority      text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    sla_policy_id bigint NOT NULL,
    PRIMARY KEY (department_id, priority),
    FOREIGN KEY (account_id, department_id) REFERENCES departments (account_id, id) ON DELETE CASCADE,
    CONSTRAINT department_sla_policies_same_account
        FOREIGN KEY (account_id, sla_policy_id) REFERENCES sla_policies (account_id, id) ON DELETE CASCADE
);
CREATE INDEX department_sla_policies_account_idx ON department_sla_policies (account_id);
CREATE INDEX department_sla_policies_policy_idx ON department_sla_policies (sla_policy_id);
ALTER TABLE department_sla_policies ENABLE ROW LEVEL SECURITY;
CREATE POLICY department_sla_policies_current_account ON department_sla_policies
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, DELETE ON department_sla_policies TO ponte_app;

-- The clocks are kept as facts (when they started, how much business time
-- they were stopped) so a new policy — the priority changed — recomputes
-- the due times from the same start.
ALTER TABLE conversations
    ADD COLUMN sla_started_at timestamptz,
    ADD COLUMN sla_stopped_seconds bigint NOT NULL DEFAULT 0,
    -- Running while the customer waits for an answer after the first one.
    ADD COLUMN sla_next_response_due_at timestamptz,
    -- The latest next-response breach (one per unanswered turn).
    ADD COLUMN sla_next_response_breached_at timestamptz;
UPDATE conversations SET sla_started_at = created_at WHERE sla_policy_id IS NOT NULL;

ALTER TABLE conversations DROP COLUMN sla_breached;
ALTER TABLE conversations ADD COLUMN sla_breached boolean GENERATED ALWAYS AS
    (sla_first_response_breached_at IS NOT NULL OR sla_resolution_breached_at IS NOT NULL
     OR sla_next_response_breached_at IS NOT NULL) STORED;

CREATE INDEX conversations_sla_next_response_idx ON conversations (sla_next_response_due_at)
    WHERE sla_next_response_due_at IS NOT NULL AND sla_paused_at IS NULL;

-- A next-response clock is due when its current turn ran out and that turn
-- has no breach yet (a breach recorded before this turn's due time belongs
-- to an earlier turn).
CREATE OR REPLACE FUNCTION due_sla_breaches(p_limit integer)
RETURNS TABLE (account_id uuid, conversation_id bigint, target text)
    LANGUAGE sql SECURITY DEFINER STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    (SELECT c.account_id, c.id, 'first_response' FROM conversations c
      WHERE c.sla_first_response_due_at <= now() AND c.sla_first_response_breached_at IS NULL
        AND c.first_response_at IS NULL AND c.sla_paused_at IS NULL
        AND c.status IN ('open', 'in_progress', 'waiting', 'bot')
      ORDER BY c.sla_first_response_due_at LIMIT p_limit)
    UNION ALL
    (SELECT c.account_id, c.id, 'resolution' FROM conversations c
      WHERE c.sla_resolution_due_at <= now() AND c.sla_resolution_breached_at IS NULL
        AND c.resolved_at IS NULL AND c.sla_paused_at IS NULL
        AND c.status IN ('open', 'in_progress', 'waiting', 'bot')
      ORDER BY c.sla_resolution_due_at LIMIT p_limit)
    UNION ALL
    (SELECT c.account_id, c.id, 'next_response' FROM conversations c
      WHERE c.sla_next_response_due_at IS NOT NULL AND c.sla_next_response_due_at <= now()
        AND c.sla_paused_at IS NULL
        AND (c.sla_next_response_breached_at IS NULL
             OR c.sla_next_response_breached_at < c.sla_next_response_due_at)
        AND c.status IN ('open', 'in_progress', 'waiting', 'bot')
      ORDER BY c.sla_next_response_due_at LIMIT p_limit)
$$;
