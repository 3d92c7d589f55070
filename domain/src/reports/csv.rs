//! A report as CSV: one line per agent with the same figures as the screen
//! and the JSON (durations in seconds, shares from 0 to 1), headed by the
//! JSON field names so scripts can rely on them.

use shared::reports::ReportTable;

pub fn render(table: &ReportTable) -> String {
    let mut out = String::new();
    let header = ["agent_id", "agent_name", "agent_email"]
        .into_iter()
        .map(str::to_string)
        .chain(table.columns.iter().cloned());
    push_line(&mut out, header);
    for row in &table.rows {
        let agent = [
            row.agent.id.to_string(),
            row.agent.name.clone(),
            row.agent.email.clone(),
        ];
        push_line(
            &mut out,
            agent
                .into_iter()
                .chain(row.cells.iter().map(|cell| cell.csv_text())),
        );
    }
    out
}

fn push_line(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&escape(&field));
    }
    out.push_str("\r\n");
}

/// Quotes a field when it needs it, and defuses text a spreadsheet would
/// run as a formula (a name starting with `=`, `+`, `-` or `@`).
fn escape(field: &str) -> String {
    let defused = match field.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{field}"),
        _ => field.to_string(),
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(escape("Ana"), "Ana");
        assert_eq!(escape("Silva, Ana"), "\"Silva, Ana\"");
        assert_eq!(escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(escape("-5"), "'-5");
    }
}
