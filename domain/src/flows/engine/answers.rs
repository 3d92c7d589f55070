//! What a customer's answer means: a question's typed answer, a menu
//! choice — read as people type them on a phone.

use chrono::NaiveDate;
use shared::flows::{AskKind, MenuOption};
use shared::phone::{Country, PhoneNumber};
use shared::values::EmailAddress;

/// The answer in its stored form (a number with `.` for decimals, an
/// e-mail in lower case, a phone in E.164, a date as `YYYY-MM-DD`), or
/// `None` when it is not one.
pub fn read_answer(kind: AskKind, text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match kind {
        AskKind::Text => Some(text.to_string()),
        AskKind::Number => read_number(text).map(|n| n.to_string()),
        AskKind::Email => EmailAddress::parse(text)
            .ok()
            .map(|e| e.as_str().to_string()),
        AskKind::Phone => PhoneNumber::parse(text, Country::BR)
            .ok()
            .map(|p| p.as_str().to_string()),
        AskKind::Date => read_date(text).map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

/// `1.234,56` (Brazilian), `1,234.56` and `1234.56` alike: the last of `.`
/// and `,` separates the decimals when followed by other than three
/// digits, or when both appear.
pub fn read_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let last_dot = text.rfind('.');
    let last_comma = text.rfind(',');
    let decimal = match (last_dot, last_comma) {
        (Some(d), Some(c)) => Some(d.max(c)),
        (Some(at), None) | (None, Some(at)) => {
            let digits_after = text.len() - at - 1;
            let separators = text.matches(['.', ',']).count();
            let leading_zero = separators == 1 && text[..at].trim_start_matches('-') == "0";
            (digits_after != 3 || leading_zero).then_some(at)
        }
        (None, None) => None,
    };
    let normalized: String = text
        .char_indices()
        .filter_map(|(i, c)| match c {
            '.' | ',' if Some(i) == decimal => Some('.'),
            '.' | ',' => None,
            c => Some(c),
        })
        .collect();
    let valid = !normalized.is_empty()
        && normalized
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
        && normalized
            .trim_start_matches('-')
            .chars()
            .any(|c| c.is_ascii_digit());
    if !valid {
        return None;
    }
    normalized.parse().ok().filter(|n: &f64| n.is_finite())
}

/// `25/12/2026`, `25-12-2026`, `2026-12-25` or `25/12/26` (day first, as
/// in Brazil).
pub fn read_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%y", "%d.%m.%Y"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
}

/// The option a customer chose: its number (`2`, `2.`, `2)`), its label or
/// its id, ignoring case, accents aside.
pub fn read_choice<'a>(options: &'a [MenuOption], text: &str) -> Option<&'a MenuOption> {
    let text = text.trim();
    let number = text.trim_end_matches(['.', ')']).trim();
    if let Ok(n) = number.parse::<usize>() {
        return n.checked_sub(1).and_then(|i| options.get(i));
    }
    let wanted = text.to_lowercase();
    options
        .iter()
        .find(|o| o.label.trim().to_lowercase() == wanted || o.id.to_lowercase() == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_the_brazilian_way_and_the_english_way() {
        assert_eq!(read_number("42"), Some(42.0));
        assert_eq!(read_number("1.234,56"), Some(1234.56));
        assert_eq!(read_number("1,234.56"), Some(1234.56));
        assert_eq!(read_number("3,5"), Some(3.5));
        assert_eq!(read_number("0.250"), Some(0.25));
        assert_eq!(read_number("1.000"), Some(1000.0), "thousands");
        assert_eq!(read_number("-7"), Some(-7.0));
        assert_eq!(read_number("doze"), None);
        assert_eq!(read_number("12a"), None);
        assert_eq!(read_number("-"), None);
    }

    #[test]
    fn each_kind_of_answer_is_checked_and_stored_in_one_form() {
        assert_eq!(read_answer(AskKind::Text, "  oi "), Some("oi".into()));
        assert_eq!(read_answer(AskKind::Text, "   "), None);
        assert_eq!(
            read_answer(AskKind::Number, "1.234,5"),
            Some("1234.5".into())
        );
        assert_eq!(
            read_answer(AskKind::Email, "Ana@Exemplo.com.br"),
            Some("ana@exemplo.com.br".into())
        );
        assert_eq!(read_answer(AskKind::Email, "ana arroba exemplo"), None);
        assert_eq!(
            read_answer(AskKind::Phone, "(11) 98765-4321"),
            Some("+5511987654321".into())
        );
        assert_eq!(read_answer(AskKind::Phone, "123"), None);
        assert_eq!(
            read_answer(AskKind::Date, "25/12/2026"),
            Some("2026-12-25".into())
        );
        assert_eq!(
            read_answer(AskKind::Date, "2026-12-25"),
            Some("2026-12-25".into())
        );
        assert_eq!(read_answer(AskKind::Date, "31/02/2026"), None);
    }

    #[test]
    fn a_choice_is_its_number_or_its_label() {
        let options = vec![
            MenuOption {
                id: "vendas".into(),
                label: "Vendas".into(),
            },
            MenuOption {
                id: "suporte".into(),
                label: "Suporte técnico".into(),
            },
        ];
        let chosen = |text| read_choice(&options, text).map(|o| o.id.as_str());
        assert_eq!(chosen("2"), Some("suporte"));
        assert_eq!(chosen(" 1) "), Some("vendas"));
        assert_eq!(chosen("suporte técnico"), Some("suporte"));
        assert_eq!(chosen("VENDAS"), Some("vendas"));
        assert_eq!(chosen("3"), None);
        assert_eq!(chosen("0"), None);
        assert_eq!(chosen("talvez"), None);
    }
}
