-- The dashboard's replies-per-hour chart reads the hourly tally from this
-- index alone: the tally's rows are rewritten by every reply, so its heap
-- is much wider than the rows it holds.
CREATE INDEX agent_hourly_messages_covering_idx
    ON agent_hourly_messages (account_id, hour) INCLUDE (user_id, messages);
