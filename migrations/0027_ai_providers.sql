-- AI providers (issue 13): the OpenAI-compatible chat-completions endpoints
-- an account connects. The default one writes summaries and quality
-- reviews; the offline engine does when there is none or it fails.
CREATE TABLE ai_providers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
    base_url    text NOT NULL CHECK (char_length(base_url) BETWEEN 1 AND 500),
    model       text NOT NULL CHECK (char_length(model) BETWEEN 1 AND 200),
    -- The key sealed by the vault for this row ("ai-provider:{id}"); none
    -- for endpoints without one (a local Ollama).
    api_key        bytea,
    api_key_key_id text,
    timeout_ms  integer NOT NULL CHECK (timeout_ms BETWEEN 1000 AND 120000),
    max_tokens  integer NOT NULL CHECK (max_tokens BETWEEN 16 AND 8192),
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((api_key IS NULL) = (api_key_key_id IS NULL)),
    -- What refers to a provider names its account too.
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX ai_providers_name_idx ON ai_providers (account_id, lower(name));
CREATE UNIQUE INDEX ai_providers_one_default_idx ON ai_providers (account_id) WHERE is_default;
ALTER TABLE ai_providers ENABLE ROW LEVEL SECURITY;
CREATE POLICY ai_providers_current_account ON ai_providers
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_providers TO ponte_app;

-- Every call to a provider, counted per account: never its content.
CREATE TABLE ai_calls (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider_id       bigint,
    purpose           text NOT NULL CHECK (purpose IN ('test', 'summary', 'quality_review')),
    conversation_id   bigint,
    ok                boolean NOT NULL,
    attempts          smallint NOT NULL CHECK (attempts BETWEEN 1 AND 2),
    prompt_tokens     integer,
    completion_tokens integer,
    latency_ms        integer NOT NULL,
    -- Why it failed (status, provider's error message), never the prompt.
    error             text CHECK (char_length(error) <= 500),
    called_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (account_id, provider_id) REFERENCES ai_providers (account_id, id)
        ON DELETE SET NULL (provider_id)
);
CREATE INDEX ai_calls_account_idx ON ai_calls (account_id, called_at DESC);
ALTER TABLE ai_calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY ai_calls_current_account ON ai_calls
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT ON ai_calls TO ponte_app;

-- Which provider wrote a quality review (none: the offline engine).
ALTER TABLE quality_reviews
    ADD COLUMN provider_id bigint,
    ADD FOREIGN KEY (account_id, provider_id) REFERENCES ai_providers (account_id, id)
        ON DELETE SET NULL (provider_id);
