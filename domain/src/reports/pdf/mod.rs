//! A report as a PDF: landscape A4, a title page with the filters and a bar
//! chart of the report's main figure, then the whole table (no row cap),
//! each agent's detail lines under their row (the work log's days), its
//! header repeated on every page and the totals at the end. Written by
//! hand with the PDF base fonts (Helvetica, WinAnsi encoding: every letter
//! of Portuguese), so it needs no font files and no dependency.

mod file;
mod metrics;

use shared::reports::{Cell, ReportTable};

use file::{assemble, Font, Page, ACCENT, GREY, INK};
use metrics::{fit, wrap};

/// The words on the page, in the reader's language.
pub struct PdfText {
    pub title: String,
    /// "Período: 01/03/2026 – 31/03/2026 · Agentes: todos …"
    pub subtitle: String,
    pub generated: String,
    pub chart_title: String,
    pub agent_heading: String,
    pub totals_label: String,
    /// One per column of the table.
    pub column_titles: Vec<String>,
    /// Lines under each row, in the rows' order (may be shorter).
    pub row_details: Vec<Vec<DetailLine>>,
    /// Lines after the totals (the categorization's categories).
    pub trailer: Vec<DetailLine>,
}

/// A line under an agent's row: "12/03/2026 08:21–17:40" and its figures.
pub struct DetailLine {
    pub label: String,
    pub cells: Vec<Cell>,
}

const PAGE_WIDTH: f32 = 842.0;
const PAGE_HEIGHT: f32 = 595.0;
const MARGIN: f32 = 36.0;
const AGENT_COLUMN: f32 = 170.0;
const ROW_HEIGHT: f32 = 16.0;
const CHART_BARS: usize = 15;

pub fn render(table: &ReportTable, text: &PdfText) -> Vec<u8> {
    render_with_progress(table, text, &mut |_| {})
}

/// [`render`], telling `progress` the share of pages laid out (0 to 1) as
/// it goes: the background exports' progress bar.
pub fn render_with_progress(
    table: &ReportTable,
    text: &PdfText,
    progress: &mut dyn FnMut(f32),
) -> Vec<u8> {
    let mut pages = vec![title_page(table, text)];
    pages.extend(table_pages(table, text, progress));
    let count = pages.len();
    for (n, page) in pages.iter_mut().enumerate() {
        let footer = format!("{} · {} / {count}", text.title, n + 1);
        page.text(MARGIN, MARGIN / 2.0, 8.0, Font::Regular, GREY, &footer);
    }
    assemble(&text.title, pages)
}

/// One line of the table.
struct Line<'a> {
    label: &'a str,
    cells: &'a [Cell],
    style: LineStyle,
}

#[derive(Clone, Copy, PartialEq)]
enum LineStyle {
    Agent,
    Detail,
    Totals,
}

const SUBTITLE_LINES: usize = 3;

fn title_page(table: &ReportTable, text: &PdfText) -> Page {
    let mut page = Page::default();
    let mut y = PAGE_HEIGHT - MARGIN - 20.0;
    page.text(MARGIN, y, 20.0, Font::Bold, INK, &text.title);
    y -= 20.0;
    // The period and every filter: a few lines at most.
    for line in wrap(&text.subtitle, PAGE_WIDTH - 2.0 * MARGIN, 10.0)
        .iter()
        .take(SUBTITLE_LINES)
    {
        page.text(MARGIN, y, 10.0, Font::Regular, GREY, line);
        y -= 14.0;
    }
    page.text(MARGIN, y, 10.0, Font::Regular, GREY, &text.generated);
    y -= 34.0;
    page.text(MARGIN, y, 13.0, Font::Bold, INK, &text.chart_title);
    y -= 10.0;

    let column = table.chart_column;
    let mut bars: Vec<(&str, &Cell)> = table
        .rows
        .iter()
        .filter_map(|row| Some((row.agent.name.as_str(), row.cells.get(column)?)))
        .collect();
    bars.sort_by(|a, b| b.1.magnitude().total_cmp(&a.1.magnitude()));
    bars.truncate(CHART_BARS);
    let largest = bars
        .iter()
        .map(|(_, cell)| cell.magnitude())
        .fold(0.0_f64, f64::max);
    let bar_space = PAGE_WIDTH - 2.0 * MARGIN - AGENT_COLUMN - 90.0;
    for (name, cell) in bars {
        y -= 22.0;
        page.text(
            MARGIN,
            y + 4.0,
            9.0,
            Font::Regular,
            INK,
            &fit(name, AGENT_COLUMN - 8.0, 9.0),
        );
        let length = if largest > 0.0 {
            (cell.magnitude() / largest) as f32 * bar_space
        } else {
            0.0
        };
        page.rect(MARGIN + AGENT_COLUMN, y, length.max(1.0), 14.0, ACCENT);
        let value = cell.display_text();
        page.text(
            MARGIN + AGENT_COLUMN + length + 6.0,
            y + 4.0,
            9.0,
            Font::Regular,
            INK,
            &value,
        );
    }
    page
}

fn table_pages(table: &ReportTable, text: &PdfText, progress: &mut dyn FnMut(f32)) -> Vec<Page> {
    let columns = text.column_titles.len().max(1) as f32;
    let width = (PAGE_WIDTH - 2.0 * MARGIN - AGENT_COLUMN) / columns;
    let rows_per_page = ((PAGE_HEIGHT - 2.0 * MARGIN - 40.0) / ROW_HEIGHT) as usize - 1;
    let mut lines: Vec<Line> = Vec::new();
    for (n, row) in table.rows.iter().enumerate() {
        lines.push(Line {
            label: &row.agent.name,
            cells: &row.cells,
            style: LineStyle::Agent,
        });
        for detail in text.row_details.get(n).into_iter().flatten() {
            lines.push(Line {
                label: &detail.label,
                cells: &detail.cells,
                style: LineStyle::Detail,
            });
        }
    }
    lines.push(Line {
        label: &text.totals_label,
        cells: &table.totals,
        style: LineStyle::Totals,
    });
    lines.extend(text.trailer.iter().map(|detail| Line {
        label: &detail.label,
        cells: &detail.cells,
        style: LineStyle::Detail,
    }));
    let page_count = lines.len().div_ceil(rows_per_page);
    lines
        .chunks(rows_per_page)
        .enumerate()
        .map(|(n, chunk)| {
            progress(n as f32 / page_count as f32);
            table_page(chunk, text, width)
        })
        .collect()
}

fn table_page(lines: &[Line], text: &PdfText, width: f32) -> Page {
    let mut page = Page::default();
    let mut y = PAGE_HEIGHT - MARGIN - 10.0;
    page.text(MARGIN, y, 8.0, Font::Bold, GREY, &text.agent_heading);
    for (i, title) in text.column_titles.iter().enumerate() {
        let right = MARGIN + AGENT_COLUMN + width * (i as f32 + 1.0) - 4.0;
        for (n, line) in wrap(title, width - 8.0, 8.0).iter().take(2).enumerate() {
            page.text_right(right, y - 10.0 * n as f32, 8.0, Font::Bold, GREY, line);
        }
    }
    y -= 26.0;
    page.rule(MARGIN, y + ROW_HEIGHT - 4.0, PAGE_WIDTH - MARGIN);
    for line in lines {
        let (font, size, color, indent) = match line.style {
            LineStyle::Agent => (Font::Regular, 9.0, INK, 0.0),
            LineStyle::Detail => (Font::Regular, 8.0, GREY, 12.0),
            LineStyle::Totals => (Font::Bold, 9.0, INK, 0.0),
        };
        let label = fit(line.label, AGENT_COLUMN - 8.0 - indent, size);
        page.text(MARGIN + indent, y, size, font, color, &label);
        for (i, cell) in line.cells.iter().enumerate() {
            let right = MARGIN + AGENT_COLUMN + width * (i as f32 + 1.0) - 4.0;
            let value = fit(&cell.display_text(), width - 6.0, size);
            page.text_right(right, y, size, font, color, &value);
        }
        y -= ROW_HEIGHT;
    }
    page
}

#[cfg(test)]
mod tests {
    use super::file::literal;
    use super::*;
    use chrono::{NaiveDate, Utc};
    use shared::reports::{ReportAgent, ReportKind, TableRow};
    use uuid::Uuid;

    fn sample(rows: usize) -> ReportTable {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        ReportTable {
            kind: ReportKind::Productivity,
            from: day,
            to: day,
            columns: vec!["resolved".into(), "first_response_seconds".into()],
            rows: (0..rows)
                .map(|i| TableRow {
                    agent: ReportAgent {
                        id: Uuid::nil(),
                        name: format!("Agente {i} (São Paulo)"),
                        email: format!("a{i}@example.com"),
                    },
                    cells: vec![Cell::Count(i as i64), Cell::Seconds(Some(90))],
                    details: Vec::new(),
                })
                .collect(),
            totals: vec![Cell::Count(3), Cell::Seconds(None)],
            chart_column: 0,
            generated_at: Utc::now(),
            categories: Vec::new(),
            filtered_by: Default::default(),
        }
    }

    /// The pages' drawing commands, inflated.
    fn page_text(pdf: &[u8]) -> String {
        use std::io::Read as _;
        let body = String::from_utf8_lossy(pdf).into_owned();
        let mut text = String::new();
        let mut at = 0;
        while let Some(start) = find(pdf, b">>\nstream\n", at) {
            let from = start + b">>\nstream\n".len();
            let end = find(pdf, b"\nendstream", from).unwrap();
            let mut page = Vec::new();
            flate2::read::ZlibDecoder::new(&pdf[from..end])
                .read_to_end(&mut page)
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&page));
            at = end;
        }
        assert!(
            !text.is_empty(),
            "no page in {}",
            &body[..body.len().min(300)]
        );
        text
    }

    fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
        haystack[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    }

    fn text() -> PdfText {
        PdfText {
            title: "Produtividade".into(),
            subtitle: "Período: 01/03/2026".into(),
            generated: "Gerado em 01/03/2026 10:00".into(),
            chart_title: "Resolvidas por agente".into(),
            agent_heading: "Agente".into(),
            totals_label: "Total".into(),
            column_titles: vec![
                "Resolvidas".into(),
                "Tempo médio de primeira resposta".into(),
            ],
            row_details: Vec::new(),
            trailer: Vec::new(),
        }
    }

    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let pdf = render(&sample(3), &text());
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let marker = b"startxref\n";
        let at = pdf
            .windows(marker.len())
            .rposition(|w| w == marker)
            .unwrap();
        let tail = String::from_utf8_lossy(&pdf[at + marker.len()..]);
        let xref: usize = tail.lines().next().unwrap().parse().unwrap();
        let table = String::from_utf8_lossy(&pdf[xref..]);
        assert!(table.starts_with("xref\n"));
        let entries: Vec<&str> = table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .collect();
        assert_eq!(
            entries.len(),
            5 + 2 * 2,
            "five shared objects and two per page"
        );
        for (n, line) in entries.iter().enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            let object = format!("{} 0 obj", n + 1);
            assert!(pdf[offset..].starts_with(object.as_bytes()), "{object}");
        }
    }

    #[test]
    fn long_tables_go_on_as_many_pages_as_they_need() {
        let pdf = render(&sample(100), &text());
        let body = String::from_utf8_lossy(&pdf);
        // A title page and 101 lines (rows and totals) at 29 a page.
        assert!(body.contains("/Count 5 "), "{}", &body[..400]);
        assert!(page_text(&pdf).contains("(Agente 99 \\(S\u{FFFD}o Paulo\\))"));
    }

    #[test]
    fn detail_lines_follow_their_row_and_progress_reaches_every_page() {
        let mut text = text();
        text.row_details = vec![
            Vec::new(),
            (1..=40)
                .map(|day| DetailLine {
                    label: format!("{day:02}/03/2026 08:00–17:00"),
                    cells: vec![Cell::Text(String::new()), Cell::Seconds(Some(3600))],
                })
                .collect(),
        ];
        let mut shares = Vec::new();
        let pdf = render_with_progress(&sample(3), &text, &mut |share| shares.push(share));
        let body = String::from_utf8_lossy(&pdf);
        // 3 rows, 40 days under the second and the totals: 44 lines, two
        // pages of 29, after the title page.
        assert!(body.contains("/Count 3 "), "{}", &body[..400]);
        // After the title page's chart, which names the agents too.
        let pages = page_text(&pdf);
        let table = &pages[pages.find("(Agente)").unwrap()..];
        let second_row = table.find("(Agente 1 ").unwrap();
        let first_day = table.find("(01/03/2026 08:00").unwrap();
        let third_row = table.find("(Agente 2 ").unwrap();
        assert!(second_row < first_day && first_day < third_row);
        assert_eq!(shares, [0.0, 0.5]);
    }

    #[test]
    fn text_is_encoded_for_the_base_fonts() {
        assert_eq!(literal("Período (1)"), b"Per\xEDodo \\(1\\)".to_vec());
        assert_eq!(literal("a — b"), b"a \x97 b".to_vec());
        assert_eq!(literal("日"), b"?".to_vec());
        assert_eq!(
            fit("Nome muito comprido demais", 50.0, 9.0).chars().last(),
            Some('…')
        );
        assert!(wrap("Tempo médio de primeira resposta", 60.0, 8.0).len() >= 2);
    }
}
