-- AI agents (issue 13): who answers customers as a bot and classifies their
-- messages — the account's global agent, one per department with its own
-- instructions and knowledge, and the sentiment agent — each asking one of
-- the account's providers, or the offline engine when none is chosen.
CREATE TABLE ai_agents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('global', 'department', 'sentiment')),
    department_id bigint,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
    instructions  text NOT NULL DEFAULT '' CHECK (char_length(instructions) <= 4000),
    -- None: the offline engine.
    provider_id   bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'department') = (department_id IS NOT NULL)),
    FOREIGN KEY (account_id, department_id) REFERENCES departments (account_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (account_id, provider_id) REFERENCES ai_providers (account_id, id)
        ON DELETE SET NULL (provider_id),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX ai_agents_one_of_a_kind_idx ON ai_agents (account_id, kind)
    WHERE kind <> 'department';
CREATE UNIQUE INDEX ai_agents_one_per_department_idx ON ai_agents (account_id, department_id)
    WHERE department_id IS NOT NULL;
ALTER TABLE ai_agents ENABLE ROW LEVEL SECURITY;
CREATE POLICY ai_agents_current_account ON ai_agents
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_agents TO ponte_app;

-- An agent's knowledge: documents as written, and their passages (one or a
-- few paragraphs each) as searched, in Portuguese and English at once.
CREATE TABLE knowledge_documents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    agent_id    bigint NOT NULL,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 100000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (account_id, agent_id) REFERENCES ai_agents (account_id, id) ON DELETE CASCADE,
    UNIQUE (account_id, id)
);
CREATE INDEX knowledge_documents_agent_idx ON knowledge_documents (account_id, agent_id, id);
ALTER TABLE knowledge_documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY knowledge_documents_current_account ON knowledge_documents
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_documents TO ponte_app;

CREATE TABLE knowledge_passages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    agent_id    bigint NOT NULL,
    document_id bigint NOT NULL,
    position    integer NOT NULL CHECK (position >= 0),
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
    search      tsvector GENERATED ALWAYS AS (
                    to_tsvector('portuguese', search_fold(body))
                    || to_tsvector('english', search_fold(body))) STORED,
    FOREIGN KEY (account_id, document_id) REFERENCES knowledge_documents (account_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (account_id, agent_id) REFERENCES ai_agents (account_id, id) ON DELETE CASCADE,
    UNIQUE (document_id, position)
);
CREATE INDEX knowledge_passages_search_idx ON knowledge_passages USING gin (search);
CREATE INDEX knowledge_passages_agent_idx ON knowledge_passages (account_id, agent_id);
ALTER TABLE knowledge_passages ENABLE ROW LEVEL SECURITY;
CREATE POLICY knowledge_passages_current_account ON knowledge_passages
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, DELETE ON knowledge_passages TO ponte_app;

-- What a flow's AI block asks, kept with the run until it is answered.
ALTER TABLE flow_runs ADD COLUMN ai_request jsonb;

-- Agents' calls are counted like the others'.
ALTER TABLE ai_calls DROP CONSTRAINT ai_calls_purpose_check;
ALTER TABLE ai_calls ADD CONSTRAINT ai_calls_purpose_check
    CHECK (purpose IN ('test', 'summary', 'quality_review', 'agent_reply', 'classify'));
