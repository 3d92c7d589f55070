//! Report files prepared in the background: the page asks for one, a worker
//! builds it and reports its progress, and the requester downloads it when
//! it is done.

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

use super::{FileFormat, ReportFilter, ReportKind};
use crate::errors::ErrorCode;
use crate::inbox::string_enum;
use crate::prefs::Locale;

/// How many of a person's exports may wait or run at once.
pub const MAX_PENDING_EXPORTS: i64 = 3;

string_enum!(
    /// Where a background export stands.
    ExportState {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
    }
);

string_enum!(
    /// Why an export failed.
    ExportFailure {
        NotAllowed => "not_allowed",
        Failed => "failed",
    }
);

impl ExportState {
    pub fn finished(self) -> bool {
        matches!(self, ExportState::Done | ExportState::Failed)
    }
}

/// What to export: the report, its filters, the file format and the PDF's
/// language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub report: ReportKind,
    pub format: FileFormat,
    #[serde(default)]
    pub filter: ReportFilter,
    #[serde(default)]
    pub locale: Locale,
}

/// An export as its requester sees it (and as progress frames carry it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportExport {
    pub id: Uuid,
    pub report: ReportKind,
    pub format: FileFormat,
    pub state: ExportState,
    /// 0–100.
    pub progress: u8,
    /// Set when done.
    pub file_name: Option<String>,
    pub error: Option<ExportFailure>,
}

impl ReportExport {
    /// Where the finished file downloads from (with the requester's session).
    pub fn download_path(&self) -> String {
        format!("/reports/exports/{}/file", self.id)
    }
}
