-- Scheduled reports keep the page's channel and category filters too.
ALTER TABLE report_schedules
    ADD COLUMN channels bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN categories bigint[] NOT NULL DEFAULT '{}';
