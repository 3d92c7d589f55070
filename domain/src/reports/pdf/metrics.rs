//! Helvetica's metrics: how wide a text is, cutting it to fit a column and
//! breaking it into lines.

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
pub(super) fn width_of(text: &str, size: f32) -> f32 {
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
pub(super) fn fit(text: &str, width: f32, size: f32) -> String {
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
pub(super) fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
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
