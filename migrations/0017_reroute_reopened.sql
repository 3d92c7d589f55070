-- A conversation the customer reopens goes back to its department's queue
-- (distribution picks whoever is free) instead of to its last agent.
ALTER TABLE accounts ADD COLUMN reroute_reopened boolean NOT NULL DEFAULT false;
