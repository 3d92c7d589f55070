-- Every message insert checked its account, conversation and channel twice:
-- once by these single-column keys, once by the same-account pairs of
-- 0004_hardening, which imply them (and cascade the same way: an account's
-- conversations cascade to their messages). Each check is a lookup with a
-- row lock, about a fifth of a stored message's cost in the webhook
-- workers (docs/BENCHMARKS.md, "Provider webhook ingest").
ALTER TABLE messages
    DROP CONSTRAINT messages_account_id_fkey,
    DROP CONSTRAINT messages_conversation_id_fkey,
    DROP CONSTRAINT messages_channel_id_fkey;
