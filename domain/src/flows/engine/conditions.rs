//! A condition block's comparisons, on text as customers and systems write
//! it: case does not matter, numbers compare as numbers, dates as dates.

use regex::{Regex, RegexBuilder};
use shared::flows::{ConditionBranch, ConditionRule, Match, Operator};

use super::answers::{read_date, read_number};

/// Whether a rule holds, given its sides' values (`right` is `None` for
/// `is_set` / `is_empty`).
pub fn holds(op: Operator, left: &str, right: Option<&str>) -> bool {
    let right = right.unwrap_or_default();
    let (l, r) = (left.trim().to_lowercase(), right.trim().to_lowercase());
    match op {
        Operator::Equals => equal(&l, &r),
        Operator::NotEquals => !equal(&l, &r),
        Operator::Contains => l.contains(&r),
        Operator::StartsWith => l.starts_with(&r),
        Operator::Matches => pattern(right).is_some_and(|pattern| pattern.is_match(left)),
        Operator::GreaterThan => compare(&l, &r) == Some(std::cmp::Ordering::Greater),
        Operator::LessThan => compare(&l, &r) == Some(std::cmp::Ordering::Less),
        Operator::IsSet => !l.is_empty(),
        Operator::IsEmpty => l.is_empty(),
    }
}

/// A `matches` pattern, case-insensitive and size-limited; `None` when it
/// does not compile.
pub fn pattern(text: &str) -> Option<Regex> {
    RegexBuilder::new(text)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .ok()
}

fn equal(l: &str, r: &str) -> bool {
    match (read_number(l), read_number(r)) {
        (Some(a), Some(b)) => a == b,
        _ => l == r,
    }
}

/// Numbers, else dates; text is not ordered.
fn compare(l: &str, r: &str) -> Option<std::cmp::Ordering> {
    if let (Some(a), Some(b)) = (read_number(l), read_number(r)) {
        return a.partial_cmp(&b);
    }
    Some(read_date(l)?.cmp(&read_date(r)?))
}

/// The first branch whose rules hold (all or any of them), with `value`
/// giving each side's text.
pub fn first_match(
    branches: &[ConditionBranch],
    value: impl Fn(&shared::flows::Operand) -> String,
) -> Option<&ConditionBranch> {
    let rule_holds = |rule: &ConditionRule| {
        let left = value(&rule.left);
        let right = rule.right.as_ref().map(&value);
        holds(rule.op, &left, right.as_deref())
    };
    branches.iter().find(|branch| match branch.r#match {
        Match::All => branch.rules.iter().all(rule_holds),
        Match::Any => branch.rules.iter().any(rule_holds),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operator::*;

    #[test]
    fn text_comparisons_ignore_case_and_spaces() {
        assert!(holds(Equals, " Sim ", Some("sim")));
        assert!(holds(NotEquals, "sim", Some("não")));
        assert!(holds(Contains, "Quero a 2ª VIA do boleto", Some("2ª via")));
        assert!(!holds(Contains, "boleto", Some("nota")));
        assert!(holds(StartsWith, "Oi, tudo bem?", Some("oi")));
    }

    #[test]
    fn numbers_and_dates_compare_by_value() {
        assert!(holds(Equals, "1.000", Some("1000")));
        assert!(holds(GreaterThan, "1.234,56", Some("999")));
        assert!(!holds(GreaterThan, "10", Some("10")));
        assert!(holds(LessThan, "9", Some("10")), "not as text");
        assert!(holds(LessThan, "24/12/2026", Some("2026-12-25")));
        assert!(
            !holds(GreaterThan, "banana", Some("abacaxi")),
            "text is not ordered"
        );
    }

    #[test]
    fn patterns_match_case_insensitively_and_bad_ones_never_do() {
        assert!(holds(Matches, "Pedido 12345", Some(r"pedido \d{5}")));
        assert!(!holds(Matches, "Pedido 12", Some(r"^pedido \d{5}$")));
        assert!(!holds(Matches, "qualquer", Some("(")), "an invalid pattern");
    }

    #[test]
    fn set_and_empty_look_at_the_left_side() {
        assert!(holds(IsSet, "ana@exemplo.com", None));
        assert!(!holds(IsSet, "  ", None));
        assert!(holds(IsEmpty, "", None));
    }

    #[test]
    fn the_first_branch_that_holds_wins_with_all_or_any() {
        use shared::flows::{ConditionBranch, ConditionRule, Operand};
        let rule = |op, text: &str| ConditionRule {
            left: Operand::Var("message.text".into()),
            op,
            right: Some(Operand::Text(text.into())),
        };
        let branches = vec![
            ConditionBranch {
                id: "ambos".into(),
                label: String::new(),
                r#match: Match::All,
                rules: vec![rule(Contains, "boleto"), rule(Contains, "atrasado")],
            },
            ConditionBranch {
                id: "algum".into(),
                label: String::new(),
                r#match: Match::Any,
                rules: vec![rule(Contains, "boleto"), rule(Contains, "pix")],
            },
        ];
        let pick = |message: &str| {
            let message = message.to_string();
            first_match(&branches, move |operand| match operand {
                Operand::Var(_) => message.clone(),
                Operand::Text(text) => text.clone(),
            })
            .map(|b| b.id.clone())
        };
        assert_eq!(pick("boleto atrasado").as_deref(), Some("ambos"));
        assert_eq!(pick("pagar com pix").as_deref(), Some("algum"));
        assert_eq!(pick("olá"), None);
    }
}
