//! A report as a PDF: landscape A4, a title page with the filters and a bar
//! chart of the report's main figure, then the whole table (no row cap),
//! each agent's detail lines under their row (the work log's days), its
//! header repeated on every page and the totals at the end. Written by
//! hand with the PDF base fonts (Helvetica, WinAnsi encoding: every letter
//! of Portuguese), so it needs no font files and no dependency.

use shared::reports::{Cell, ReportTable};
use std::fmt::Write;

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

// ---- A page's drawing commands ----

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

type Rgb = (f32, f32, f32);
const INK: Rgb = (0.06, 0.09, 0.16);
const GREY: Rgb = (0.39, 0.45, 0.55);
const ACCENT: Rgb = (0.15, 0.39, 0.92);

#[derive(Default)]
struct Page {
    content: Vec<u8>,
}

impl Page {
    fn text(&mut self, x: f32, y: f32, size: f32, font: Font, color: Rgb, text: &str) {
        let name = match font {
            Font::Regular => "F1",
            Font::Bold => "F2",
        };
        let (r, g, b) = color;
        let mut ops = String::new();
        let _ = write!(
            ops,
            "BT {r:.2} {g:.2} {b:.2} rg /{name} {size:.1} Tf {x:.2} {y:.2} Td ("
        );
        self.content.extend_from_slice(ops.as_bytes());
        self.content.extend(literal(text));
        self.content.extend_from_slice(b") Tj ET\n");
    }

    fn text_right(&mut self, right: f32, y: f32, size: f32, font: Font, color: Rgb, text: &str) {
        self.text(right - width_of(text, size), y, size, font, color, text);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let (r, g, b) = color;
        let ops = format!("{r:.2} {g:.2} {b:.2} rg {x:.2} {y:.2} {w:.2} {h:.2} re f\n");
        self.content.extend_from_slice(ops.as_bytes());
    }

    fn rule(&mut self, x1: f32, y: f32, x2: f32) {
        let ops = format!("0.8 0.83 0.87 RG 0.5 w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S\n");
        self.content.extend_from_slice(ops.as_bytes());
    }
}

/// The file: catalog, page tree, the two fonts, document info, then each
/// page and its content, the cross-reference table and the trailer.
fn assemble(title: &str, pages: Vec<Page>) -> Vec<u8> {
    const CATALOG: usize = 1;
    const PAGES: usize = 2;
    const REGULAR: usize = 3;
    const BOLD: usize = 4;
    const INFO: usize = 5;
    let first_page = 6;
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", first_page + 2 * i))
        .collect();

    let mut objects: Vec<Vec<u8>> = vec![
        format!("<< /Type /Catalog /Pages {PAGES} 0 R >>").into_bytes(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
        font_object("Helvetica"),
        font_object("Helvetica-Bold"),
    ];
    let mut info = b"<< /Producer (Ponte) /Title (".to_vec();
    info.extend(literal(title));
    info.extend_from_slice(b") >>");
    objects.push(info);
    for (i, page) in pages.into_iter().enumerate() {
        let content_id = first_page + 2 * i + 1;
        objects.push(
            format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
                 /Resources << /Font << /F1 {REGULAR} 0 R /F2 {BOLD} 0 R >> >> /Contents {content_id} 0 R >>"
            )
            .into_bytes(),
        );
        let (filter, content) = match deflate(&page.content) {
            Some(deflated) => (" /Filter /FlateDecode", deflated),
            None => ("", page.content),
        };
        let mut stream = format!("<< /Length {}{filter} >>\nstream\n", content.len()).into_bytes();
        stream.extend(content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }

    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend(table.into_bytes());
    out
}

/// A page's drawing commands compressed (about a tenth of their size: a
/// long work log is mostly repeated operators); `None` if that failed.
fn deflate(content: &[u8]) -> Option<Vec<u8>> {
    use flate2::write::ZlibEncoder;
    use std::io::Write as _;
    let mut encoder = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(content).ok()?;
    encoder.finish().ok()
}

fn font_object(base: &str) -> Vec<u8> {
    format!("<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>")
        .into_bytes()
}

/// `text` as the bytes of a PDF literal string in WinAnsi encoding: Latin-1
/// as is, a few typographic marks mapped, anything else as `?`.
fn literal(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        let byte = match ch {
            '—' => 0x97,
            '–' => 0x96,
            '…' => 0x85,
            '•' => 0x95,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '›' => 0x9B,
            '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{FF}' => ch as u32 as u8,
            _ => b'?',
        };
        if matches!(byte, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(byte);
    }
    out
}

/// Helvetica's advance widths (thousandths of the font size) for ASCII 32–126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// The width of `text` at `size` points (accented letters as their base
/// letter's width, roughly; bold runs about 5% wider, which the columns'
/// slack absorbs).
fn width_of(text: &str, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|ch| match ch as u32 {
            code @ 32..=126 => u32::from(HELVETICA[(code - 32) as usize]),
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// `text` cut to fit `width`, with an ellipsis when cut.
fn fit(text: &str, width: f32, size: f32) -> String {
    if width_of(text, size) <= width {
        return text.to_string();
    }
    let mut cut = String::new();
    for ch in text.chars() {
        cut.push(ch);
        if width_of(&cut, size) + width_of("…", size) > width {
            cut.pop();
            break;
        }
    }
    cut.push('…');
    cut
}

/// `text` broken into lines that fit `width`, at spaces.
fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if width_of(&format!("{line} {word}"), size) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
        .into_iter()
        .map(|line| fit(&line, width, size))
        .collect()
}

#[cfg(test)]
mod tests {
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
