-- A flow that hands a conversation to people tells them (issue 12).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'transfer', 'sla_breach', 'flow_handoff'));

-- A flow's menu keeps its options beside the numbered text, for the channels
-- that show them as buttons (WhatsApp Cloud, Messenger, Instagram, the widget).
ALTER TABLE messages ADD COLUMN menu_options text[] NOT NULL DEFAULT '{}'
    CHECK (cardinality(menu_options) <= 20);
