-- A connection that goes down rings its admins' bells too (beside the
-- e-mail), once per incident, and the alert leads to the connections.
ALTER TABLE notifications ADD COLUMN channel_id bigint;
ALTER TABLE notifications
    ADD CONSTRAINT notifications_channel_same_account
        FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE;
CREATE INDEX notifications_channel_idx ON notifications (channel_id) WHERE channel_id IS NOT NULL;

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'transfer', 'sla_breach', 'flow_handoff', 'low_score', 'connection_down'));
