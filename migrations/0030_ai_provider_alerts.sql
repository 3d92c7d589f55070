-- An AI provider that keeps failing rings its account's admins' bells, once
-- until it answers again (the offline engine answers meanwhile).
ALTER TABLE ai_providers
    ADD COLUMN failures_in_a_row integer NOT NULL DEFAULT 0,
    ADD COLUMN failing_alerted_at timestamptz;

ALTER TABLE notifications ADD COLUMN ai_provider_id bigint;
ALTER TABLE notifications
    ADD CONSTRAINT notifications_ai_provider_same_account
        FOREIGN KEY (account_id, ai_provider_id) REFERENCES ai_providers (account_id, id) ON DELETE CASCADE;
CREATE INDEX notifications_ai_provider_idx ON notifications (ai_provider_id) WHERE ai_provider_id IS NOT NULL;

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'transfer', 'sla_breach', 'flow_handoff', 'low_score', 'connection_down',
                    'ai_provider_failing'));

-- The alert quotes the provider's latest failure.
CREATE INDEX ai_calls_failures_idx ON ai_calls (provider_id, id DESC) WHERE NOT ok;
