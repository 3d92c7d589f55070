-- Flow runs (domain/src/flows/runs/): one conversation's way through one
-- published flow version. The interpreter's state (current block,
-- variables, retries, what it waits for) is the `state` document, so a
-- restarted server resumes every run where it was; `wake_at` is when the
-- clock moves it on by itself (a delay, a reply's timeout, an HTTP request
-- to make), found by the sweeper on any instance.

CREATE TABLE flow_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL,
    flow_id         bigint NOT NULL,
    version         integer NOT NULL,
    conversation_id bigint NOT NULL,
    trigger         text NOT NULL
        CHECK (trigger IN ('new_conversation', 'keyword', 'outside_business_hours', 'manual', 'jump')),
    state           jsonb NOT NULL,
    -- The request an HTTP block makes, rendered when the run reached it.
    http_request    jsonb,
    wake_at         timestamptz,
    started_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    outcome         text CHECK (outcome IN ('completed', 'handed_off', 'jumped', 'dropped', 'taken_over')),
    CHECK ((ended_at IS NULL) = (outcome IS NULL)),
    FOREIGN KEY (flow_id, version) REFERENCES flow_versions (flow_id, version) ON DELETE CASCADE,
    FOREIGN KEY (account_id, flow_id) REFERENCES flows (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
-- A conversation follows at most one flow at a time.
CREATE UNIQUE INDEX flow_runs_active_idx ON flow_runs (conversation_id) WHERE ended_at IS NULL;
CREATE INDEX flow_runs_wake_idx ON flow_runs (wake_at) WHERE ended_at IS NULL AND wake_at IS NOT NULL;
CREATE INDEX flow_runs_flow_idx ON flow_runs (account_id, flow_id, outcome);

ALTER TABLE flow_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY flow_runs_current_account ON flow_runs
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE ON flow_runs TO ponte_app;

-- Hosts an admin lets HTTP blocks call over plain http and at private
-- addresses (an intranet ERP); every other host must be https and public.
ALTER TABLE accounts ADD COLUMN flow_http_allowlist text[] NOT NULL DEFAULT '{}';

-- The runs whose time came, every account (the sweeper's view; it locks
-- each conversation and run itself, skipping the ones another holds).
CREATE FUNCTION due_flow_runs(p_limit integer)
RETURNS TABLE (account_id uuid, conversation_id bigint, run_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT r.account_id, r.conversation_id, r.id FROM flow_runs r
     WHERE r.ended_at IS NULL AND r.wake_at <= now()
     ORDER BY r.wake_at LIMIT p_limit
$$;
REVOKE ALL ON FUNCTION due_flow_runs(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION due_flow_runs(integer) TO ponte_app;
