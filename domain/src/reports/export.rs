//! A report as a file — CSV or PDF, with its name — for the page's
//! downloads, the REST API and scheduled mail alike.

use shared::report_words::{column_title, format_date, report_title, words};
use shared::reports::{FileFormat, ReportFilter, ReportKind, ReportTable};
use shared::Locale;

use super::{csv, pdf, table};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::Result;

pub struct ExportFile {
    /// "ponte-productivity-2026-11-01-2026-11-30.pdf"
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// `kind` for `filter` as the viewer may see it, as a file; the PDF's words
/// in `locale`.
pub async fn export(
    db: &Db,
    viewer: &Actor,
    kind: ReportKind,
    filter: &ReportFilter,
    format: FileFormat,
    locale: Locale,
) -> Result<ExportFile> {
    let table = table(db, viewer, kind, filter).await?;
    Ok(match format {
        FileFormat::Csv => ExportFile {
            name: file_name(&table, "csv"),
            content_type: "text/csv; charset=utf-8",
            bytes: csv::render(&table).into_bytes(),
        },
        FileFormat::Pdf => ExportFile {
            name: file_name(&table, "pdf"),
            content_type: "application/pdf",
            bytes: pdf::render(&table, &pdf_text(&table, locale, filter)),
        },
    })
}

fn pdf_text(table: &ReportTable, locale: Locale, filter: &ReportFilter) -> pdf::PdfText {
    let w = words(locale);
    let mut subtitle = format!(
        "{}: {} – {}",
        w.period,
        format_date(locale, table.from),
        format_date(locale, table.to)
    );
    if filter.agents.is_empty() && filter.departments.is_empty() {
        subtitle.push_str(&format!(" · {}", w.all_agents));
    } else {
        subtitle.push_str(&format!(" · {}: {}", w.agents, table.rows.len()));
    }
    let chart_column = table
        .columns
        .get(table.chart_column)
        .map_or("", |c| column_title(locale, c));
    pdf::PdfText {
        title: report_title(locale, table.kind).to_string(),
        subtitle,
        generated: format!(
            "{} {} UTC",
            w.generated_at,
            table.generated_at.format("%Y-%m-%d %H:%M")
        ),
        chart_title: format!("{chart_column} · {}", w.chart_by_agent),
        agent_heading: w.agent.to_string(),
        totals_label: w.totals.to_string(),
        column_titles: table
            .columns
            .iter()
            .map(|c| column_title(locale, c).to_string())
            .collect(),
    }
}

fn file_name(table: &ReportTable, extension: &str) -> String {
    format!(
        "ponte-{}-{}-{}.{extension}",
        table.kind.as_str(),
        table.from,
        table.to
    )
}
