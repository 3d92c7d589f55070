-- SLA policies (domain/src/service_desk/sla.rs): promised first-response and
-- resolution times, in business time (the department's calendar) or around
-- the clock; the clocks of each conversation and the breaches the sweeper
-- finds.

CREATE TABLE sla_policies (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id             uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    first_response_minutes integer CHECK (first_response_minutes BETWEEN 1 AND 525600),
    resolution_minutes     integer CHECK (resolution_minutes BETWEEN 1 AND 525600),
    business_hours_only    boolean NOT NULL DEFAULT true,
    -- The clocks stop while the conversation waits on the customer.
    pause_while_waiting    boolean NOT NULL DEFAULT true,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX sla_policies_name_idx ON sla_policies (account_id, lower(name));
ALTER TABLE sla_policies ENABLE ROW LEVEL SECURITY;
CREATE POLICY sla_policies_current_account ON sla_policies
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON sla_policies TO ponte_app;

ALTER TABLE departments
    ADD COLUMN sla_policy_id bigint,
    ADD CONSTRAINT departments_sla_policy_same_account
        FOREIGN KEY (account_id, sla_policy_id) REFERENCES sla_policies (account_id, id)
        ON DELETE SET NULL (sla_policy_id);

ALTER TABLE conversations
    ADD COLUMN sla_policy_id bigint,
    ADD COLUMN sla_first_response_due_at timestamptz,
    ADD COLUMN sla_resolution_due_at timestamptz,
    -- Since when the clocks are stopped (waiting on the customer).
    ADD COLUMN sla_paused_at timestamptz,
    -- Each clock's breach, recorded once by the sweeper.
    ADD COLUMN sla_first_response_breached_at timestamptz,
    ADD COLUMN sla_resolution_breached_at timestamptz,
    ADD COLUMN sla_breached boolean GENERATED ALWAYS AS
        (sla_first_response_breached_at IS NOT NULL OR sla_resolution_breached_at IS NOT NULL) STORED;

-- The sweeper's work: running clocks that ran out, not yet recorded.
CREATE INDEX conversations_sla_first_response_idx ON conversations (sla_first_response_due_at)
    WHERE sla_first_response_breached_at IS NULL AND first_response_at IS NULL AND sla_paused_at IS NULL;
CREATE INDEX conversations_sla_resolution_idx ON conversations (sla_resolution_due_at)
    WHERE sla_resolution_breached_at IS NULL AND resolved_at IS NULL AND sla_paused_at IS NULL;

CREATE FUNCTION due_sla_breaches(p_limit integer)
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
$$;
REVOKE ALL ON FUNCTION due_sla_breaches(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION due_sla_breaches(integer) TO ponte_app;

-- A breach notifies the department's supervisors.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'transfer', 'sla_breach'));
