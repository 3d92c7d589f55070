-- Reports and the dashboard's figures read productivity events by
-- conversation (handling time, first-contact resolution) and conversations
-- by creation time; these indexes keep a 30-day dashboard off full scans.

CREATE INDEX productivity_events_conversation_idx
    ON productivity_events (conversation_id, kind, occurred_at);
CREATE INDEX conversations_created_idx ON conversations (account_id, created_at);
