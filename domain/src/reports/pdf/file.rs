//! The PDF file itself: a page's drawing commands (text, rectangles,
//! rules) and the document around the pages (catalog, page tree, the two
//! base fonts, cross-reference table), strings in WinAnsi encoding.

use std::fmt::Write;

use super::metrics::width_of;
use super::{PAGE_HEIGHT, PAGE_WIDTH};

#[derive(Clone, Copy)]
pub(super) enum Font {
    Regular,
    Bold,
}

pub(super) type Rgb = (f32, f32, f32);
pub(super) const INK: Rgb = (0.06, 0.09, 0.16);
pub(super) const GREY: Rgb = (0.39, 0.45, 0.55);
pub(super) const ACCENT: Rgb = (0.15, 0.39, 0.92);

#[derive(Default)]
pub(super) struct Page {
    content: Vec<u8>,
}

impl Page {
    pub(super) fn text(&mut self, x: f32, y: f32, size: f32, font: Font, color: Rgb, text: &str) {
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

    pub(super) fn text_right(
        &mut self,
        right: f32,
        y: f32,
        size: f32,
        font: Font,
        color: Rgb,
        text: &str,
    ) {
        self.text(right - width_of(text, size), y, size, font, color, text);
    }

    pub(super) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let (r, g, b) = color;
        let ops = format!("{r:.2} {g:.2} {b:.2} rg {x:.2} {y:.2} {w:.2} {h:.2} re f\n");
        self.content.extend_from_slice(ops.as_bytes());
    }

    pub(super) fn rule(&mut self, x1: f32, y: f32, x2: f32) {
        let ops = format!("0.8 0.83 0.87 RG 0.5 w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S\n");
        self.content.extend_from_slice(ops.as_bytes());
    }
}

/// The file: catalog, page tree, the two fonts, document info, then each
/// page and its content, the cross-reference table and the trailer.
pub(super) fn assemble(title: &str, pages: Vec<Page>) -> Vec<u8> {
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
pub(super) fn literal(text: &str) -> Vec<u8> {
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
