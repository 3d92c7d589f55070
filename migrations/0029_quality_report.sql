-- The AI quality report can be exported and scheduled like the others.
ALTER TABLE report_schedules DROP CONSTRAINT report_schedules_report_check;
ALTER TABLE report_schedules ADD CONSTRAINT report_schedules_report_check
    CHECK (report IN ('work-log', 'productivity', 'categorization', 'idle', 'quality'));
ALTER TABLE report_exports DROP CONSTRAINT report_exports_report_check;
ALTER TABLE report_exports ADD CONSTRAINT report_exports_report_check
    CHECK (report IN ('work-log', 'productivity', 'categorization', 'idle', 'quality'));
