-- Automation flows (domain/src/flows/): a draft the admin edits, and
-- published versions that never change (no UPDATE grant) — a conversation
-- keeps the version it started with. The definition's format is
-- docs/FLOWS.md.

CREATE TABLE flows (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    draft            jsonb NOT NULL,
    draft_updated_at timestamptz NOT NULL DEFAULT now(),
    -- The published version new runs start with; NULL: not live.
    live_version     integer,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX flows_name_idx ON flows (account_id, lower(name));

CREATE TABLE flow_versions (
    account_id   uuid NOT NULL,
    flow_id      bigint NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    definition   jsonb NOT NULL,
    published_by uuid REFERENCES users (id) ON DELETE SET NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, version),
    FOREIGN KEY (account_id, flow_id) REFERENCES flows (account_id, id) ON DELETE CASCADE
);
CREATE INDEX flow_versions_account_idx ON flow_versions (account_id);

ALTER TABLE flows ENABLE ROW LEVEL SECURITY;
CREATE POLICY flows_current_account ON flows
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
ALTER TABLE flow_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY flow_versions_current_account ON flow_versions
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON flows TO ponte_app;
GRANT SELECT, INSERT ON flow_versions TO ponte_app;
