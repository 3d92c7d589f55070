//! The offline engine's summary: extractive — the customer's request, the
//! answer that met it and the outcome, each the sentence of its message that
//! carries the most words (greetings and small talk carry none).

use shared::prefs::Locale;

use super::transcript::{Line, Transcript};

/// A sentence longer than this is cut (on a word) and marked "…".
const MAX_SENTENCE_CHARS: usize = 180;
/// Words that carry nothing a summary needs.
const FILLER: &[&str] = &[
    "oi",
    "ola",
    "olá",
    "bom",
    "boa",
    "dia",
    "tarde",
    "noite",
    "obrigado",
    "obrigada",
    "ok",
    "tudo",
    "bem",
    "hello",
    "hi",
    "good",
    "morning",
    "afternoon",
    "evening",
    "thanks",
    "thank",
    "you",
    "please",
    "por",
    "favor",
    "sim",
    "não",
    "yes",
    "no",
    "de",
    "da",
    "do",
    "a",
    "o",
    "e",
    "the",
    "and",
    "to",
    "é",
    "um",
    "uma",
    "eu",
    "i",
];

/// `None` when nobody said anything worth repeating.
pub fn summarize(transcript: &Transcript, locale: Locale) -> Option<String> {
    let customer: Vec<&Line> = transcript.customer_lines().collect();
    let request = customer.iter().find_map(|line| key_sentence(&line.text));
    let request_at = customer
        .iter()
        .find(|line| key_sentence(&line.text).is_some())
        .map(|line| line.at);
    let replier = transcript.replies_speaker();
    // The answer: the reply after the request that says the most.
    let answer = transcript
        .lines
        .iter()
        .filter(|line| line.speaker == replier && request_at.is_none_or(|at| line.at >= at))
        .filter_map(|line| key_sentence(&line.text))
        .max_by_key(|sentence| weight(sentence));
    // The outcome: the last thing the customer said after the request, if
    // it says something ("Obrigada!" says the request was met).
    let outcome = request_at.and_then(|request_at| {
        customer
            .iter()
            .rev()
            .take_while(|line| line.at > request_at)
            .map(|line| key_sentence(&line.text).unwrap_or_else(|| shorten(line.text.trim())))
            .find(|text| !text.is_empty())
    });
    let (request_label, answer_label, outcome_label) = match locale {
        Locale::PtBr => ("Pedido", "Resposta", "Desfecho"),
        Locale::En => ("Request", "Answer", "Outcome"),
    };
    let lines: Vec<String> = [
        (request_label, request),
        (answer_label, answer),
        (outcome_label, outcome),
    ]
    .into_iter()
    .filter_map(|(label, sentence)| sentence.map(|s| format!("{label}: {s}")))
    .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The message's sentence with the most meaningful words, if any has one.
fn key_sentence(text: &str) -> Option<String> {
    let best = text
        .split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|sentence| weight(sentence) > 0)
        .max_by_key(|sentence| (weight(sentence), std::cmp::Reverse(sentence.len())))?;
    Some(shorten(best))
}

/// How many words of the sentence are not filler.
fn weight(sentence: &str) -> usize {
    sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() > 1)
        .filter(|word| !FILLER.contains(&word.to_lowercase().as_str()))
        .count()
}

fn shorten(sentence: &str) -> String {
    if sentence.chars().count() <= MAX_SENTENCE_CHARS {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(MAX_SENTENCE_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::quality::transcript::Speaker;
    use chrono::{Duration, TimeZone, Utc};

    fn transcript(lines: &[(Speaker, &str)]) -> Transcript {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        Transcript {
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, (speaker, text))| Line {
                    speaker: *speaker,
                    at: start + Duration::minutes(i as i64),
                    text: text.to_string(),
                })
                .collect(),
        }
    }

    use Speaker::{Agent, Automatic, Customer};

    #[test]
    fn picks_the_request_the_answer_and_the_outcome() {
        let summary = summarize(
            &transcript(&[
                (Customer, "Oi, bom dia!"),
                (
                    Customer,
                    "Meu boleto de março veio com o valor errado. Podem corrigir?",
                ),
                (Agent, "Bom dia! Tudo bem?"),
                (
                    Agent,
                    "Corrigi o valor e enviei um novo boleto para o seu e-mail.",
                ),
                (Customer, "Recebi aqui, obrigada!"),
            ]),
            Locale::PtBr,
        )
        .unwrap();
        assert_eq!(
            summary,
            "Pedido: Meu boleto de março veio com o valor errado.\n\
             Resposta: Corrigi o valor e enviei um novo boleto para o seu e-mail.\n\
             Desfecho: Recebi aqui, obrigada!"
        );
    }

    #[test]
    fn labels_follow_the_language_and_missing_parts_are_left_out() {
        let summary = summarize(
            &transcript(&[
                (Customer, "Hello"),
                (Customer, "My card was charged twice."),
            ]),
            Locale::En,
        )
        .unwrap();
        assert_eq!(summary, "Request: My card was charged twice.");
    }

    #[test]
    fn greetings_alone_make_no_summary() {
        assert_eq!(
            summarize(
                &transcript(&[(Customer, "Oi"), (Automatic, "Olá!")]),
                Locale::PtBr
            ),
            None
        );
    }

    #[test]
    fn a_long_sentence_is_cut_on_a_word() {
        let long = format!("Quero {}", "cancelar ".repeat(40));
        let summary = summarize(&transcript(&[(Customer, &long)]), Locale::PtBr).unwrap();
        assert!(summary.ends_with("cancelar…"), "{summary}");
        assert!(summary.chars().count() <= "Pedido: ".len() + MAX_SENTENCE_CHARS + 1);
    }
}
