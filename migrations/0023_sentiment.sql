-- The offline AI engine's reading of customers (issue 13): each incoming
-- text message's sentiment, and the conversation's (how the customer feels
-- lately), both from -1 (hostile) to 1 (delighted). Computed in Rust
-- (domain::ai::sentiment) as messages arrive.
ALTER TABLE messages ADD COLUMN sentiment real CHECK (sentiment BETWEEN -1 AND 1);
ALTER TABLE conversations ADD COLUMN sentiment real CHECK (sentiment BETWEEN -1 AND 1);
