-- Provider connections (WhatsApp Cloud API first): encrypted credentials,
-- connection health, durable webhook events and the outbound queue.

ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('website', 'whatsapp_cloud', 'twilio_whatsapp', 'zapi', 'messenger', 'instagram', 'api'));

-- Secrets (tokens, app secrets) as one AES-256-GCM sealed JSON object; the key
-- id says which server key sealed it, so keys can rotate.
ALTER TABLE channels
    ADD COLUMN credentials        bytea,
    ADD COLUMN credentials_key_id text,
    ADD COLUMN health             text NOT NULL DEFAULT 'unknown'
        CHECK (health IN ('unknown', 'connected', 'disconnected')),
    ADD COLUMN health_detail      text,
    ADD COLUMN removed_at         timestamptz;

-- Webhooks know only the channel id in their URL: this finds the channel
-- (and the sealed secrets that verify the request) before any tenant is known.
CREATE FUNCTION channel_for_webhook(p_id bigint)
RETURNS TABLE (account_id uuid, kind text, public_token text, settings jsonb,
               credentials bytea, credentials_key_id text, active boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT c.account_id, c.kind, c.public_token, c.settings, c.credentials, c.credentials_key_id, c.active
      FROM channels c WHERE c.id = p_id AND c.removed_at IS NULL
$$;
REVOKE ALL ON FUNCTION channel_for_webhook(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION channel_for_webhook(bigint) TO ponte_app;

-- Every verified webhook request, stored before it is answered. Workers on
-- any instance claim them; an identical redelivery is dropped by the key.
CREATE TABLE webhook_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel_id      bigint NOT NULL,
    provider        text NOT NULL,
    body            bytea NOT NULL,
    headers         jsonb NOT NULL DEFAULT '{}',
    dedupe_key      text NOT NULL,
    -- Events with the same key (one customer) are processed in order, one
    -- at a time across all workers; different keys in parallel.
    order_key       text NOT NULL DEFAULT '',
    received_at     timestamptz NOT NULL DEFAULT now(),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    processed_at    timestamptz,
    CONSTRAINT webhook_events_dedupe UNIQUE (channel_id, dedupe_key),
    -- References between tenant tables match on the account too (0004).
    CONSTRAINT webhook_events_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_events_due_idx ON webhook_events (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX webhook_events_order_idx ON webhook_events (channel_id, order_key, id) WHERE state = 'pending';
CREATE INDEX webhook_events_parked_idx ON webhook_events (account_id, id DESC) WHERE state = 'parked';

-- Agent replies waiting to go out through a provider.
ALTER TABLE messages ADD CONSTRAINT messages_account_id_key UNIQUE (account_id, id);
CREATE TABLE outbound_messages (
    message_id      bigint PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel_id      bigint NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT outbound_messages_message_same_account
        FOREIGN KEY (account_id, message_id) REFERENCES messages (account_id, id) ON DELETE CASCADE,
    CONSTRAINT outbound_messages_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE
);
CREATE INDEX outbound_messages_due_idx ON outbound_messages (next_attempt_at, message_id) WHERE state = 'pending';

ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbound_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_events_current_account ON webhook_events
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
CREATE POLICY outbound_messages_current_account ON outbound_messages
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON webhook_events, outbound_messages TO ponte_app;

-- Claiming work across accounts: each claim leases the rows (pushing their
-- next attempt into the future) so a crashed worker's work comes back after
-- the lease, and counts the attempt. The work itself happens in tenant
-- transactions that lock the row again and re-check its state.
CREATE FUNCTION claim_webhook_events(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (id bigint, account_id uuid, order_key text)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE webhook_events e
       SET attempts = e.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE e.id IN (SELECT w.id FROM webhook_events w
                     WHERE w.state = 'pending' AND w.next_attempt_at <= now()
                       -- The oldest pending event of its key only: a later one
                       -- waits until the earlier is done (or parked).
                       AND NOT EXISTS (SELECT 1 FROM webhook_events o
                                        WHERE o.channel_id = w.channel_id AND o.order_key = w.order_key
                                          AND o.state = 'pending' AND o.id < w.id)
                     ORDER BY w.next_attempt_at, w.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING e.id, e.account_id, e.order_key
$$;
REVOKE ALL ON FUNCTION claim_webhook_events(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_webhook_events(integer, integer) TO ponte_app;

CREATE FUNCTION claim_outbound_messages(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (message_id bigint, account_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE outbound_messages o
       SET attempts = o.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE o.message_id IN (SELECT q.message_id FROM outbound_messages q
                             WHERE q.state = 'pending' AND q.next_attempt_at <= now()
                             ORDER BY q.next_attempt_at, q.message_id LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING o.message_id, o.account_id
$$;
REVOKE ALL ON FUNCTION claim_outbound_messages(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_outbound_messages(integer, integer) TO ponte_app;

-- Files customers send through providers, fetched into attachment storage
-- by workers after the message is stored (no transaction waits on a download).
CREATE TABLE media_downloads (
    message_id      bigint PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel_id      bigint NOT NULL,
    contact_id      bigint NOT NULL,
    -- {"media_id": "…"} (WhatsApp Cloud) or {"url": "…"}; with "file_name", "mime_type".
    source          jsonb NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    CONSTRAINT media_downloads_message_same_account
        FOREIGN KEY (account_id, message_id) REFERENCES messages (account_id, id) ON DELETE CASCADE,
    CONSTRAINT media_downloads_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE
);
CREATE INDEX media_downloads_due_idx ON media_downloads (next_attempt_at, message_id) WHERE state = 'pending';
ALTER TABLE media_downloads ENABLE ROW LEVEL SECURITY;
CREATE POLICY media_downloads_current_account ON media_downloads
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON media_downloads TO ponte_app;

CREATE FUNCTION claim_media_downloads(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (message_id bigint, account_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE media_downloads d
       SET attempts = d.attempts + 1,
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
     WHERE d.message_id IN (SELECT q.message_id FROM media_downloads q
                             WHERE q.state = 'pending' AND q.next_attempt_at <= now()
                             ORDER BY q.next_attempt_at, q.message_id LIMIT p_limit FOR UPDATE SKIP LOCKED)
 RETURNING d.message_id, d.account_id
$$;
REVOKE ALL ON FUNCTION claim_media_downloads(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_media_downloads(integer, integer) TO ponte_app;

-- Ingest in one round trip: the webhook endpoint stores a verified request
-- (its connection, and so its account, already known) and wakes the
-- workers. The (account, channel) foreign key refuses a mismatched pair.
CREATE FUNCTION store_webhook_event(p_account uuid, p_channel bigint, p_provider text, p_body bytea,
                                    p_headers jsonb, p_dedupe_key text, p_order_key text,
                                    p_notify boolean)
RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    stored bigint;
BEGIN
    INSERT INTO webhook_events (account_id, channel_id, provider, body, headers, dedupe_key, order_key)
    VALUES (p_account, p_channel, p_provider, p_body, p_headers, p_dedupe_key, left(p_order_key, 200))
    ON CONFLICT (channel_id, dedupe_key) DO NOTHING
    RETURNING id INTO stored;
    IF stored IS NOT NULL AND p_notify THEN
        PERFORM pg_notify('ponte_jobs', 'webhook');
    END IF;
    RETURN stored;
END
$$;
REVOKE ALL ON FUNCTION store_webhook_event(uuid, bigint, text, bytea, jsonb, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION store_webhook_event(uuid, bigint, text, bytea, jsonb, text, text, boolean) TO ponte_app;

-- One person who wrote on several channels, merged into one contact: the
-- merged one stays (messages never move off their rows) but points here and
-- is hidden from searches.
ALTER TABLE contacts ADD COLUMN merged_into bigint;

-- WhatsApp message templates of a Cloud API number: synced from Meta (with
-- its id) or typed in by an admin; Meta's status webhook keeps them current.
CREATE TABLE message_templates (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel_id  bigint NOT NULL,
    external_id text,
    name        text NOT NULL CHECK (name ~ '^[a-z0-9_]+$' AND length(name) <= 512),
    language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}(_[A-Z]{2})?$'),
    category    text NOT NULL CHECK (category IN ('marketing', 'utility', 'authentication')),
    status      text NOT NULL CHECK (status IN ('approved', 'pending', 'rejected', 'paused', 'disabled')),
    body        text NOT NULL,
    reason      text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT message_templates_name UNIQUE (channel_id, name, language),
    CONSTRAINT message_templates_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE
);
ALTER TABLE message_templates ENABLE ROW LEVEL SECURITY;
CREATE POLICY message_templates_current_account ON message_templates
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON message_templates TO ponte_app;

-- A reply sent as a template: {"name", "language", "parameters": [{"name", "text"}]}
-- (its body column holds the text as the customer reads it).
ALTER TABLE messages ADD COLUMN template jsonb;

-- A message quoting another: a customer's swipe-reply on WhatsApp, an
-- agent's "reply to" (sent as the provider's context where it has one).
ALTER TABLE messages ADD COLUMN reply_to_id bigint;
ALTER TABLE messages ADD CONSTRAINT messages_reply_to_same_account
    FOREIGN KEY (account_id, reply_to_id) REFERENCES messages (account_id, id);
