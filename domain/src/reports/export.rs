//! A report as a file — CSV or PDF, with its name — for the page's
//! downloads, the REST API and scheduled mail alike.

use shared::report_words::{column_title, format_date, report_title, words};
use shared::reports::{
    CategorizationFigures, CategoryCount, Cell, FileFormat, ReportFilter, ReportKind, ReportTable,
    WorkLogDay, WorkLogFigures,
};
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
    Ok(render(&table, filter, format, locale, &mut |_| {}))
}

/// `table` as a file, telling `progress` how far it got (0 to 1).
pub fn render(
    table: &ReportTable,
    filter: &ReportFilter,
    format: FileFormat,
    locale: Locale,
    progress: &mut dyn FnMut(f32),
) -> ExportFile {
    match format {
        FileFormat::Csv => ExportFile {
            name: file_name(table, "csv"),
            content_type: content_type(format),
            bytes: csv::render(table).into_bytes(),
        },
        FileFormat::Pdf => ExportFile {
            name: file_name(table, "pdf"),
            content_type: content_type(format),
            bytes: pdf::render_with_progress(table, &pdf_text(table, locale, filter), progress),
        },
    }
}

pub fn content_type(format: FileFormat) -> &'static str {
    match format {
        FileFormat::Csv => "text/csv; charset=utf-8",
        FileFormat::Pdf => "application/pdf",
    }
}

fn pdf_text(table: &ReportTable, locale: Locale, filter: &ReportFilter) -> pdf::PdfText {
    let w = words(locale);
    let mut subtitle = format!(
        "{}: {} – {}",
        w.period,
        format_date(locale, table.from),
        format_date(locale, table.to)
    );
    let names = &table.filtered_by;
    if filter.agents.is_empty() && filter.departments.is_empty() {
        subtitle.push_str(&format!(" · {}", w.all_agents));
    }
    for (label, chosen) in [
        (w.agents, &names.agents),
        (w.departments, &names.departments),
        (w.channels, &names.channels),
        (w.categories, &names.categories),
    ] {
        if !chosen.is_empty() {
            subtitle.push_str(&format!(" · {label}: {}", chosen.join(", ")));
        }
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
        row_details: table
            .rows
            .iter()
            .map(|row| {
                row.details
                    .iter()
                    .map(|day| day_line(locale, day))
                    .collect()
            })
            .collect(),
        trailer: table
            .categories
            .iter()
            .map(|category| category_line(table, category))
            .collect(),
    }
}

/// "Financeiro › Boleto" after the totals, its resolutions (with its
/// subcategories') in the categorized columns.
fn category_line(table: &ReportTable, category: &CategoryCount) -> pdf::DetailLine {
    let resolved = match table.totals.first() {
        Some(Cell::Count(resolved)) => *resolved,
        _ => 0,
    };
    pdf::DetailLine {
        label: category.name.clone(),
        cells: CategorizationFigures::category_cells(category, resolved),
    }
}

/// "12/03/2026 08:21–17:40" and the day's times, under its agent.
fn day_line(locale: Locale, day: &WorkLogDay) -> pdf::DetailLine {
    pdf::DetailLine {
        label: format!(
            "{} {}–{}",
            format_date(locale, day.date),
            day.login,
            day.logout.as_deref().unwrap_or("…")
        ),
        cells: WorkLogFigures::day_cells(day),
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
