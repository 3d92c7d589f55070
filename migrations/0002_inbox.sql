-- Inbox: departments, channels (the website widget first), contacts, conversations
-- (tickets), messages, attachments, quick replies, mention notifications.

-- Departments ------------------------------------------------------------------

CREATE TABLE departments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX departments_name_idx ON departments (account_id, lower(name));

CREATE TABLE department_members (
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    department_id bigint NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (department_id, user_id)
);
CREATE INDEX department_members_user_idx ON department_members (account_id, user_id);

-- Channels ---------------------------------------------------------------------

-- One row per connection. `public_token` identifies a website widget in the
-- snippet a company pastes into its pages: public by design, not a secret.
CREATE TABLE channels (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id            uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind                  text NOT NULL CHECK (kind IN ('website')),
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    public_token          text NOT NULL UNIQUE,
    settings              jsonb NOT NULL DEFAULT '{}',
    default_department_id bigint REFERENCES departments (id) ON DELETE SET NULL,
    active                boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_account_idx ON channels (account_id);

-- Contacts ---------------------------------------------------------------------

CREATE TABLE contacts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '' CHECK (length(name) <= 120),
    phone        text CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    email        text CHECK (email = lower(email)),
    avatar_url   text,
    attributes   jsonb NOT NULL DEFAULT '{}',
    tags         text[] NOT NULL DEFAULT '{}',
    is_lead      boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- What people search by, in one trigram index.
    search_text  text GENERATED ALWAYS AS (
        lower(name) || ' ' || COALESCE(phone, '') || ' ' || COALESCE(email, '')
    ) STORED
);
CREATE INDEX contacts_account_idx ON contacts (account_id, id DESC);
CREATE INDEX contacts_search_idx ON contacts USING gin (search_text gin_trgm_ops);

-- How a contact is known on a channel (visitor id, phone, PSID, e-mail…).
CREATE TABLE contact_identities (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel_id  bigint NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contact_identities_unique UNIQUE (account_id, channel_id, external_id)
);
CREATE INDEX contact_identities_contact_idx ON contact_identities (contact_id);

CREATE TABLE contact_notes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    author_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_notes_contact_idx ON contact_notes (contact_id, id DESC);

-- Typed custom attributes, defined per account.
CREATE TABLE attribute_definitions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    label      text NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
    kind       text NOT NULL CHECK (kind IN ('text', 'number', 'date', 'boolean', 'list')),
    options    text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attribute_definitions_key_unique UNIQUE (account_id, key)
);

-- Tags in use, for autocompletion (conversations and contacts keep text[]).
CREATE TABLE tags (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, name)
);

-- Conversations (tickets) ------------------------------------------------------

-- Per-account ticket numbers. Incremented in the same transaction that
-- creates the conversation: concurrent creators queue on the row lock, and a
-- rolled-back transaction gives its number back, so users never see a gap.
CREATE TABLE account_counters (
    account_id   uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_number bigint NOT NULL DEFAULT 0
);

CREATE TABLE conversations (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number            bigint NOT NULL,
    contact_id        bigint NOT NULL REFERENCES contacts (id),
    channel_id        bigint NOT NULL REFERENCES channels (id),
    department_id     bigint REFERENCES departments (id) ON DELETE SET NULL,
    assignee_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    status            text NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'in_progress', 'waiting', 'resolved', 'cancelled', 'bot')),
    snoozed_until     timestamptz,
    priority          text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    critical          boolean NOT NULL DEFAULT false,
    tags              text[] NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    first_response_at timestamptz,
    last_activity_at  timestamptz NOT NULL DEFAULT now(),
    -- Since when the customer has been waiting for an answer; NULL when not.
    waiting_since     timestamptz,
    resolved_at       timestamptz,
    -- Incoming messages so far; unread = this minus what an agent has read.
    incoming_count    integer NOT NULL DEFAULT 0,
    last_message_preview text NOT NULL DEFAULT '',
    last_message_kind text,
    CONSTRAINT conversations_number_unique UNIQUE (account_id, number)
);
CREATE INDEX conversations_activity_idx ON conversations (account_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_assignee_idx ON conversations (account_id, assignee_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_unassigned_idx ON conversations (account_id, last_activity_at DESC, id DESC)
    WHERE assignee_id IS NULL;
CREATE INDEX conversations_status_idx ON conversations (account_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_department_idx ON conversations (account_id, department_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_waiting_idx ON conversations (account_id, waiting_since, id)
    WHERE waiting_since IS NOT NULL;
CREATE INDEX conversations_contact_idx ON conversations (contact_id, created_at DESC);
CREATE INDEX conversations_tags_idx ON conversations USING gin (tags);
CREATE INDEX conversations_snoozed_idx ON conversations (snoozed_until) WHERE status = 'waiting' AND snoozed_until IS NOT NULL;
CREATE INDEX conversations_updated_idx ON conversations (account_id, updated_at);

CREATE TABLE conversation_reads (
    account_id          uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id     bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_incoming_count integer NOT NULL DEFAULT 0,
    read_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id)
);

-- Attachments and messages -----------------------------------------------------

CREATE TABLE attachments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id bigint REFERENCES conversations (id) ON DELETE CASCADE,
    storage_key     text NOT NULL UNIQUE,
    file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type    text NOT NULL,
    size_bytes      bigint NOT NULL CHECK (size_bytes >= 0),
    sha256          bytea NOT NULL,
    uploaded_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    uploaded_by_contact bigint REFERENCES contacts (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_account_idx ON attachments (account_id, id);

CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    channel_id      bigint NOT NULL REFERENCES channels (id),
    kind            text NOT NULL CHECK (kind IN ('incoming', 'outgoing', 'note', 'activity')),
    content_type    text NOT NULL DEFAULT 'text'
                    CHECK (content_type IN ('text', 'image', 'audio', 'video', 'file', 'location')),
    body            text NOT NULL DEFAULT '' CHECK (length(body) <= 20000),
    attachment_id   bigint REFERENCES attachments (id) ON DELETE SET NULL,
    location        jsonb,
    activity        jsonb,
    sender_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    mentions        uuid[] NOT NULL DEFAULT '{}',
    -- The provider's id, for idempotent ingestion of redelivered webhooks.
    external_id     text,
    -- The sending browser's id, so a retried send never doubles a message.
    client_id       uuid,
    delivery_status text CHECK (delivery_status IN ('pending', 'sent', 'delivered', 'read', 'failed')),
    delivery_error  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    deleted_by      uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id DESC);
CREATE UNIQUE INDEX messages_external_id_idx ON messages (channel_id, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX messages_client_id_idx ON messages (conversation_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX messages_search_idx ON messages USING gin (body gin_trgm_ops)
    WHERE deleted_at IS NULL AND kind IN ('incoming', 'outgoing', 'note');
CREATE INDEX messages_updated_idx ON messages (conversation_id, updated_at);

-- Quick replies and notifications ----------------------------------------------

CREATE TABLE quick_replies (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- NULL: shared by the whole account; else one agent's own.
    owner_id   uuid REFERENCES users (id) ON DELETE CASCADE,
    shortcut   text NOT NULL CHECK (shortcut ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    content    text NOT NULL CHECK (length(content) BETWEEN 1 AND 5000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX quick_replies_shortcut_idx
    ON quick_replies (account_id, COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'::uuid), shortcut);

CREATE TABLE notifications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('mention')),
    conversation_id bigint REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      bigint REFERENCES messages (id) ON DELETE CASCADE,
    actor_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    read_at         timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (account_id, user_id, id DESC);

-- Presence: when each member last had a live connection.
ALTER TABLE memberships ADD COLUMN last_seen_at timestamptz;

-- Public lookups ---------------------------------------------------------------

-- The website widget knows only its channel's public token.
CREATE FUNCTION channel_by_public_token(p_token text)
RETURNS TABLE (id bigint, account_id uuid, kind text, name text, settings jsonb, active boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT c.id, c.account_id, c.kind, c.name, c.settings, c.active
      FROM channels c WHERE c.public_token = p_token
$$;
REVOKE ALL ON FUNCTION channel_by_public_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION channel_by_public_token(text) TO ponte_app;

-- The demo account's website channel, for the `/demo/widget` page. Public
-- tokens are embedded in web pages anyway.
CREATE FUNCTION demo_widget_token() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT c.public_token FROM channels c JOIN accounts a ON a.id = c.account_id
     WHERE a.slug = 'demo' AND c.kind = 'website' AND c.active
     ORDER BY c.id LIMIT 1
$$;
REVOKE ALL ON FUNCTION demo_widget_token() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION demo_widget_token() TO ponte_app;

-- Snoozed conversations whose time has come, across accounts (the sweeper).
-- Reopens them, writes their activity line, and signals every instance.
CREATE FUNCTION wake_snoozed_conversations() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    woken record;
    n integer := 0;
BEGIN
    FOR woken IN
        UPDATE conversations c
           SET status = CASE WHEN c.assignee_id IS NULL THEN 'open' ELSE 'in_progress' END,
               snoozed_until = NULL, updated_at = now(), last_activity_at = now()
         WHERE c.id IN (SELECT id FROM conversations
                         WHERE status = 'waiting' AND snoozed_until <= now()
                         ORDER BY snoozed_until LIMIT 500 FOR UPDATE SKIP LOCKED)
     RETURNING c.id, c.account_id, c.channel_id, c.status
    LOOP
        INSERT INTO messages (account_id, conversation_id, channel_id, kind, activity)
        VALUES (woken.account_id, woken.id, woken.channel_id, 'activity',
                jsonb_build_object('type', 'snooze_ended', 'to', woken.status));
        PERFORM pg_notify('ponte_events', json_build_object(
            'account_id', woken.account_id, 'kind', 'conversation_changed',
            'conversation_id', woken.id)::text);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION wake_snoozed_conversations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION wake_snoozed_conversations() TO ponte_app;

-- Row-level security -------------------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'departments', 'department_members', 'channels', 'contacts', 'contact_identities',
        'contact_notes', 'attribute_definitions', 'tags', 'account_counters', 'conversations',
        'conversation_reads', 'attachments', 'messages', 'quick_replies', 'notifications'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account())',
            t || '_current_account', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO ponte_app', t);
    END LOOP;
END
$$;

-- Messages are never deleted, only soft-deleted.
REVOKE DELETE ON messages FROM ponte_app;
