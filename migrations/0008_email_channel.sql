-- The e-mail channel: mail comes in by IMAP (a watched mailbox) or an
-- inbound-parse webhook, through the webhook queue; replies go out by SMTP.

ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('website', 'whatsapp_cloud', 'twilio_whatsapp', 'zapi', 'messenger', 'instagram', 'api',
                    'email'));

-- An e-mail conversation's subject (its first mail's).
ALTER TABLE conversations ADD COLUMN subject text CHECK (length(subject) <= 300);

-- What a mail adds to its message: {"subject", "html" (sanitized on
-- arrival), "quoted" (the history under the new text), "references"}.
ALTER TABLE messages ADD COLUMN email jsonb;

-- Threading: a mail's In-Reply-To / References are looked up among the
-- channel's messages (the unique index on (channel_id, external_id) serves).

-- Each e-mail connection's mailbox: how far it is read, and which watcher
-- (one at a time, on any instance) holds it until when.
CREATE TABLE email_mailboxes (
    channel_id      bigint PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uid_validity    bigint,
    last_uid        bigint NOT NULL DEFAULT 0,
    lease_token     uuid,
    lease_until     timestamptz NOT NULL DEFAULT '-infinity',
    next_session_at timestamptz NOT NULL DEFAULT now(),
    failures        integer NOT NULL DEFAULT 0,
    last_error      text,
    CONSTRAINT email_mailboxes_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE
);
CREATE INDEX email_mailboxes_due_idx ON email_mailboxes (next_session_at);
ALTER TABLE email_mailboxes ENABLE ROW LEVEL SECURITY;
CREATE POLICY email_mailboxes_current_account ON email_mailboxes
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON email_mailboxes TO ponte_app;

-- Takes the mailboxes (one per e-mail connection, added with it) nobody
-- holds and whose next session is due, for one watcher (its token) for a lease.
CREATE FUNCTION claim_email_mailboxes(p_token uuid, p_limit integer, p_lease_seconds integer)
RETURNS TABLE (channel_id bigint, account_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    UPDATE email_mailboxes m
       SET lease_token = p_token, lease_until = now() + make_interval(secs => p_lease_seconds)
     WHERE m.channel_id IN (SELECT q.channel_id FROM email_mailboxes q
                             JOIN channels c ON c.id = q.channel_id
                            WHERE q.lease_until < now() AND q.next_session_at <= now()
                              AND c.active AND c.removed_at IS NULL
                            ORDER BY q.next_session_at LIMIT p_limit FOR UPDATE OF q SKIP LOCKED)
 RETURNING m.channel_id, m.account_id
$$;
REVOKE ALL ON FUNCTION claim_email_mailboxes(uuid, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_email_mailboxes(uuid, integer, integer) TO ponte_app;

-- "Send test e-mail" goes in the send log too.
ALTER TABLE outgoing_mail DROP CONSTRAINT outgoing_mail_kind_check;
ALTER TABLE outgoing_mail ADD CONSTRAINT outgoing_mail_kind_check
    CHECK (kind IN ('email_confirmation', 'password_reset', 'invitation', 'connection_alert', 'smtp_test'));
