-- The service desk (domain/src/service_desk/): departments with opening
-- hours, out-of-hours replies and automatic distribution to agents with
-- capacity; the customer wallet (a contact's owner).

-- Calendars: `business_hours` is {"mon": [{"open": "09:00", "close": "12:00"}], …}
-- (a day left out is closed; NULL is open around the clock), `holidays` a
-- list of "2026-12-25" (once) and "--12-25" (every year). Read in the
-- account's time zone.
ALTER TABLE accounts
    ADD COLUMN business_hours jsonb,
    ADD COLUMN holidays jsonb NOT NULL DEFAULT '[]',
    -- A customer whose contact has an owner goes to that agent.
    ADD COLUMN wallet_routing boolean NOT NULL DEFAULT false,
    -- When the owner is offline: 'distribute' by the department's mode, or
    -- 'wait' for the owner.
    ADD COLUMN wallet_owner_offline text NOT NULL DEFAULT 'distribute'
        CHECK (wallet_owner_offline IN ('distribute', 'wait'));

ALTER TABLE departments
    ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    -- The channel this department answers, if it has one of its own.
    ADD COLUMN channel_id bigint,
    -- false: the account's calendar applies; true: the two columns below.
    ADD COLUMN own_calendar boolean NOT NULL DEFAULT false,
    ADD COLUMN business_hours jsonb,
    ADD COLUMN holidays jsonb NOT NULL DEFAULT '[]',
    -- {"pt-BR": "…", "en": "…"}: sent once per closed period to a customer
    -- who writes while the department is closed.
    ADD COLUMN out_of_hours_messages jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN distribution text NOT NULL DEFAULT 'manual'
        CHECK (distribution IN ('manual', 'round_robin', 'least_busy')),
    ADD CONSTRAINT departments_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id)
        ON DELETE SET NULL (channel_id);

ALTER TABLE department_members
    ADD COLUMN max_conversations integer NOT NULL DEFAULT 10
        CHECK (max_conversations BETWEEN 1 AND 500),
    -- When distribution last gave this member a conversation of this
    -- department (round-robin takes whoever waited longest).
    ADD COLUMN last_routed_at timestamptz;

ALTER TABLE contacts
    ADD COLUMN owner_id uuid,
    ADD CONSTRAINT contacts_owner_member
        FOREIGN KEY (account_id, owner_id) REFERENCES memberships (account_id, user_id)
        ON DELETE SET NULL (owner_id);
CREATE INDEX contacts_owner_idx ON contacts (account_id, owner_id) WHERE owner_id IS NOT NULL;

ALTER TABLE conversations
    -- Waiting for distribution to give it an agent, in this order.
    ADD COLUMN queued_at timestamptz,
    -- The out-of-hours reply was sent for the closed period that ends here:
    -- no second one before then.
    ADD COLUMN out_of_hours_until timestamptz;
CREATE INDEX conversations_queue_idx ON conversations (account_id, queued_at, id)
    WHERE queued_at IS NOT NULL;

-- The accounts whose queues hold conversations, for the distribution worker
-- (any instance; it routes each account under an advisory lock).
CREATE FUNCTION accounts_with_queued_conversations(p_limit integer)
RETURNS TABLE (account_id uuid)
    LANGUAGE sql SECURITY DEFINER STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT DISTINCT c.account_id FROM conversations c WHERE c.queued_at IS NOT NULL LIMIT p_limit
$$;
REVOKE ALL ON FUNCTION accounts_with_queued_conversations(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION accounts_with_queued_conversations(integer) TO ponte_app;
