-- Teams that isolate (domain/src/access/): what a person reaches beyond
-- their role — departments' conversations by grant, connections that only
-- their grantees see, a supervisor held to their departments, an agent held
-- to their default connection.

-- Per person in an account.
ALTER TABLE memberships
    -- A role that sees every conversation sees only its departments'.
    ADD COLUMN limited_to_departments boolean NOT NULL DEFAULT false,
    ADD COLUMN default_channel_id bigint,
    -- Sees (and writes through) no other connection than the default one.
    ADD COLUMN only_default_channel boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT memberships_default_channel_same_account
        FOREIGN KEY (account_id, default_channel_id) REFERENCES channels (account_id, id)
        ON DELETE SET NULL (default_channel_id);

-- A restricted connection's conversations are seen only by its grantees
-- (and whoever sees everything).
ALTER TABLE channels ADD COLUMN restricted boolean NOT NULL DEFAULT false;

-- A grant names a role or one person. Levels include the ones below them:
-- 'assign' ⊃ 'view'; 'manage' ⊃ 'write' ⊃ 'read'.
CREATE TABLE department_grants (
    account_id    uuid NOT NULL,
    department_id bigint NOT NULL,
    role          text CHECK (role IN ('global_admin', 'supervisor', 'agent', 'auditor', 'bot')),
    user_id       uuid,
    level         text NOT NULL CHECK (level IN ('view', 'assign')),
    CHECK ((role IS NULL) <> (user_id IS NULL)),
    FOREIGN KEY (account_id, department_id) REFERENCES departments (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX department_grants_role_idx ON department_grants (department_id, role)
    WHERE role IS NOT NULL;
CREATE UNIQUE INDEX department_grants_user_idx ON department_grants (department_id, user_id)
    WHERE user_id IS NOT NULL;
CREATE INDEX department_grants_account_idx ON department_grants (account_id);

CREATE TABLE channel_grants (
    account_id uuid NOT NULL,
    channel_id bigint NOT NULL,
    role       text CHECK (role IN ('global_admin', 'supervisor', 'agent', 'auditor', 'bot')),
    user_id    uuid,
    level      text NOT NULL CHECK (level IN ('read', 'write', 'manage')),
    CHECK ((role IS NULL) <> (user_id IS NULL)),
    FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX channel_grants_role_idx ON channel_grants (channel_id, role)
    WHERE role IS NOT NULL;
CREATE UNIQUE INDEX channel_grants_user_idx ON channel_grants (channel_id, user_id)
    WHERE user_id IS NOT NULL;
CREATE INDEX channel_grants_account_idx ON channel_grants (account_id);

ALTER TABLE department_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY department_grants_current_account ON department_grants
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
ALTER TABLE channel_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY channel_grants_current_account ON channel_grants
    USING (account_id = app_current_account()) WITH CHECK (account_id = app_current_account());
GRANT SELECT, INSERT, DELETE ON department_grants TO ponte_app;
GRANT SELECT, INSERT, DELETE ON channel_grants TO ponte_app;
