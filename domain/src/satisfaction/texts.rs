//! What the survey says to customers, in their language.

use shared::Locale;

/// The ratings offered as buttons where the channel has them.
pub(super) fn rating_options() -> Vec<String> {
    (0..=10).map(|n| n.to_string()).collect()
}

pub(super) fn question(locale: Locale) -> &'static str {
    match locale {
        Locale::PtBr => "Seu atendimento foi encerrado. De 0 a 10, quanto você recomendaria o nosso atendimento? Responda com um número.",
        Locale::En => "Your conversation is closed. From 0 to 10, how likely are you to recommend our service? Please answer with a number.",
    }
}

pub(super) fn ask_again(locale: Locale) -> &'static str {
    match locale {
        Locale::PtBr => "Não entendi sua nota. Responda só com um número de 0 a 10, por favor.",
        Locale::En => {
            "Sorry, we didn't get your rating. Please answer with just a number from 0 to 10."
        }
    }
}

pub(super) fn comment_question(locale: Locale) -> &'static str {
    match locale {
        Locale::PtBr => "Obrigado pela nota! Se quiser, conte em uma mensagem o motivo.",
        Locale::En => "Thank you for your rating! If you like, tell us why in one message.",
    }
}

pub(super) fn thanks(locale: Locale) -> &'static str {
    match locale {
        Locale::PtBr => "Obrigado pelo comentário!",
        Locale::En => "Thank you for your comment!",
    }
}
