-- The language a connection's customers speak, when their own is unknown
-- (out-of-hours replies, surveys); NULL: the account's.
ALTER TABLE channels ADD COLUMN language text CHECK (language IN ('pt-BR', 'en'));
