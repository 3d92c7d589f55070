-- The satisfaction survey (issue 13): on resolution the customer is asked
-- for a 0–10 rating on their channel, then for an optional comment. Off
-- until an account turns it on (Settings → Productivity).
ALTER TABLE accounts ADD COLUMN satisfaction_survey boolean NOT NULL DEFAULT false;

-- The latest answered rating of the conversation (the REST `csat`).
ALTER TABLE conversations
    ADD COLUMN csat smallint CHECK (csat BETWEEN 0 AND 10),
    ADD COLUMN csat_comment text;

-- One survey per resolution, like its quality review; the row is both the
-- conversation's state while the customer answers and the record reports
-- count.
CREATE TABLE satisfaction_surveys (
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL,
    resolved_at     timestamptz NOT NULL,
    -- asked: waiting for the rating; commenting: rated, a comment may follow;
    -- answered: done; ignored: no valid rating after a second ask, or the
    -- customer moved on; unsent: the channel could not carry the question.
    state           text NOT NULL CHECK (state IN ('asked', 'commenting', 'answered', 'ignored', 'unsent')),
    -- The question went again after an answer that was not a rating.
    asked_again     boolean NOT NULL DEFAULT false,
    locale          text NOT NULL,
    -- The message that asked: what the customer said from it on answers the
    -- survey, not the conversation the AI reviews.
    question_id     bigint,
    asked_at        timestamptz NOT NULL DEFAULT now(),
    score           smallint CHECK (score BETWEEN 0 AND 10),
    rated_at        timestamptz,
    comment         text CHECK (char_length(comment) <= 2000),
    -- Who answered for the conversation (the agent on it when resolved), for
    -- the per-agent CSAT of reports.
    agent_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (conversation_id, resolved_at),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    CHECK ((score IS NULL) = (rated_at IS NULL))
);
CREATE INDEX satisfaction_surveys_period_idx ON satisfaction_surveys (account_id, rated_at)
    INCLUDE (score, agent_id) WHERE score IS NOT NULL;
ALTER TABLE satisfaction_surveys ENABLE ROW LEVEL SECURITY;
CREATE POLICY satisfaction_surveys_current_account ON satisfaction_surveys
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON satisfaction_surveys TO ponte_app;
