-- A work session also ends when an admin ends the person's sessions
-- (deactivating them): `revoked`, at that moment.
ALTER TABLE work_sessions DROP CONSTRAINT work_sessions_end_reason_check;
ALTER TABLE work_sessions ADD CONSTRAINT work_sessions_end_reason_check
    CHECK (end_reason IN ('sign_out', 'auto_logout', 'heartbeat_lost', 'revoked'));
