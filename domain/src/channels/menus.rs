//! A flow's menu as each channel can show it. Every copy carries the
//! numbered text ([`numbered`]): agents read it in the timeline, and
//! channels without buttons (Twilio without content templates, Z-API,
//! e-mail, the API channel) send it as it is. WhatsApp Cloud sends reply
//! buttons or a list, Messenger and Instagram quick replies, the website
//! widget buttons. A tap comes back as the option's label, which a menu
//! takes like a typed answer.

/// WhatsApp Cloud's limits: reply buttons (3, 20 characters each), list
/// rows (10, 24 characters each), an interactive body (1,024 characters).
const WHATSAPP_BUTTONS: usize = 3;
const WHATSAPP_BUTTON_CHARS: usize = 20;
const WHATSAPP_ROWS: usize = 10;
const WHATSAPP_ROW_CHARS: usize = 24;
const WHATSAPP_BODY_CHARS: usize = 1024;
/// Messenger's and Instagram's quick replies: 13, 20 characters each.
const QUICK_REPLIES: usize = 13;
const QUICK_REPLY_CHARS: usize = 20;

/// The question, then one numbered line per option (the customer answers
/// with the number or the label).
pub(crate) fn numbered(question: &str, options: &[String]) -> String {
    let mut out = question.trim_end().to_string();
    for (n, option) in options.iter().enumerate() {
        out.push_str(&format!("\n{} - {option}", n + 1));
    }
    out
}

/// The question of a menu stored as [`numbered`] text (the whole body when
/// it is not one).
pub(crate) fn question_of<'a>(body: &'a str, options: &[String]) -> &'a str {
    let lines = numbered("", options);
    body.strip_suffix(lines.as_str())
        .filter(|question| !question.trim().is_empty())
        .unwrap_or(body)
}

/// How WhatsApp Cloud shows a menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WhatsappMenu {
    Buttons,
    List,
    /// Too many options, or too long for buttons and lists: numbered text.
    Text,
}

pub(crate) fn whatsapp_menu(question: &str, options: &[String]) -> WhatsappMenu {
    let fits = |count: usize, chars: usize| {
        !options.is_empty()
            && options.len() <= count
            && options.iter().all(|o| o.chars().count() <= chars)
    };
    if question.trim().is_empty() || question.chars().count() > WHATSAPP_BODY_CHARS {
        WhatsappMenu::Text
    } else if fits(WHATSAPP_BUTTONS, WHATSAPP_BUTTON_CHARS) {
        WhatsappMenu::Buttons
    } else if fits(WHATSAPP_ROWS, WHATSAPP_ROW_CHARS) {
        WhatsappMenu::List
    } else {
        WhatsappMenu::Text
    }
}

/// Whether Messenger and Instagram can offer the options as quick replies.
pub(crate) fn fits_quick_replies(options: &[String]) -> bool {
    !options.is_empty()
        && options.len() <= QUICK_REPLIES
        && options
            .iter()
            .all(|o| !o.trim().is_empty() && o.chars().count() <= QUICK_REPLY_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_menu_reads_as_numbered_lines_and_its_question_comes_back() {
        let menu = options(&["Vendas", "Suporte"]);
        let body = numbered("Com quem você quer falar?  ", &menu);
        assert_eq!(body, "Com quem você quer falar?\n1 - Vendas\n2 - Suporte");
        assert_eq!(question_of(&body, &menu), "Com quem você quer falar?");
        assert_eq!(
            question_of("Outra coisa", &menu),
            "Outra coisa",
            "a body that is not the menu stays whole"
        );
    }

    #[test]
    fn whatsapp_uses_buttons_for_three_short_options_a_list_up_to_ten_else_text() {
        let q = "Escolha:";
        assert_eq!(
            whatsapp_menu(q, &options(&["Vendas", "Suporte", "Financeiro"])),
            WhatsappMenu::Buttons
        );
        assert_eq!(
            whatsapp_menu(q, &options(&["A", "B", "C", "D"])),
            WhatsappMenu::List
        );
        assert_eq!(
            whatsapp_menu(q, &options(&["Segunda via do boleto"])),
            WhatsappMenu::List,
            "21 characters: too long for a button, fine for a row"
        );
        let eleven: Vec<String> = (1..=11).map(|n| format!("Opção {n}")).collect();
        assert_eq!(whatsapp_menu(q, &eleven), WhatsappMenu::Text);
        assert_eq!(
            whatsapp_menu(q, &options(&["Uma opção com um nome longo demais"])),
            WhatsappMenu::Text
        );
        assert_eq!(
            whatsapp_menu(&"x".repeat(1025), &options(&["A"])),
            WhatsappMenu::Text
        );
    }

    #[test]
    fn quick_replies_take_up_to_thirteen_short_labels() {
        let thirteen: Vec<String> = (1..=13).map(|n| format!("Opção {n}")).collect();
        assert!(fits_quick_replies(&thirteen));
        let fourteen: Vec<String> = (1..=14).map(|n| format!("Opção {n}")).collect();
        assert!(!fits_quick_replies(&fourteen));
        assert!(!fits_quick_replies(&options(&["Vinte e um caracteres"])));
        assert!(!fits_quick_replies(&[]));
    }
}
