//! Text with variables: `Olá, {{contact.name}}!`.

/// The variables a text reads, in order, each once.
pub fn variables(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, name) in placeholders(text) {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// The text with each `{{name}}` replaced by its value (empty when the
/// variable has none); anything else, unmatched braces included, stays.
pub fn render(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (range, name) in placeholders(text) {
        out.push_str(&text[rest..range.start]);
        out.push_str(&value(name).unwrap_or_default());
        rest = range.end;
    }
    out.push_str(&text[rest..]);
    out
}

/// Each `{{ name }}` (spaces allowed inside) with its byte range.
fn placeholders(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| i + from) {
        let Some(close) = text[open + 2..].find("}}").map(|i| i + open + 2) else {
            break;
        };
        let name = text[open + 2..close].trim();
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if valid {
            found.push((open..close + 2, name));
            from = close + 2;
        } else {
            from = open + 2;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_found_once_each_with_spaces_allowed() {
        assert_eq!(
            variables("Olá {{contact.name}}, pedido {{ pedido }} — {{contact.name}}"),
            ["contact.name", "pedido"]
        );
        assert!(variables("sem {{}} nem {{ não vale }} nem {{aberto").is_empty());
    }

    #[test]
    fn render_fills_known_values_and_empties_unknown_ones() {
        let value = |name: &str| (name == "contact.name").then(|| "Ana".to_string());
        assert_eq!(
            render("Olá, {{contact.name}}! Código: {{codigo}}.", value),
            "Olá, Ana! Código: ."
        );
        assert_eq!(render("{{ contact.name }}{{", value), "Ana{{");
        assert_eq!(render("a {b} }} c", value), "a {b} }} c");
    }
}
