//! The offline engine's quality score: a documented formula (docs/AI.md)
//! over four signals a manager would look at — how the customer ended up
//! feeling, how fast they were answered, whether their last request was
//! answered, and the agents' tone.

use chrono::Duration;
use shared::prefs::Locale;

use super::transcript::{Speaker, Transcript};
use crate::ai::sentiment::{self, Feeling};

/// The weights of the signals (they add up to 1).
const CUSTOMER_FEELING_WEIGHT: f32 = 0.5;
const SPEED_WEIGHT: f32 = 0.2;
const ANSWERED_WEIGHT: f32 = 0.15;
const TONE_WEIGHT: f32 = 0.15;
/// A reply within this many minutes is as fast as it needs to be…
const FAST_MINUTES: f32 = 5.0;
/// …and one after this many counts for nothing.
const SLOW_MINUTES: f32 = 60.0;

/// What the score was made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Signals {
    /// The customer's sentiment at the end (-1..1; 0 when they wrote nothing
    /// that carries one).
    pub customer_sentiment: f32,
    /// From the customer's first message to the first reply.
    pub first_response: Option<Duration>,
    /// The longest the customer waited for a reply.
    pub longest_wait: Option<Duration>,
    /// The customer's last message was followed by a reply.
    pub last_request_answered: bool,
    /// The replies' sentiment (-1..1).
    pub tone: f32,
    /// The customer wrote at all.
    pub customer_wrote: bool,
}

/// A review's score (0–10, one decimal) and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    pub value: f32,
    pub signals: Signals,
}

pub fn signals(transcript: &Transcript) -> Signals {
    let replier = transcript.replies_speaker();
    let customer_sentiment =
        sentiment::of_conversation(transcript.customer_lines().map(|line| line.text.as_str()))
            .score;
    let replies: Vec<&str> = transcript
        .lines
        .iter()
        .filter(|line| line.speaker == replier)
        .map(|line| line.text.as_str())
        .collect();
    let tone = if replies.is_empty() {
        0.0
    } else {
        replies
            .iter()
            .map(|text| sentiment::of_text(text).score)
            .sum::<f32>()
            / replies.len() as f32
    };
    // Each stretch the customer spent waiting: from their first unanswered
    // message to the next reply (or to the end, unanswered).
    let mut waits = Vec::new();
    let mut waiting_since = None;
    for line in &transcript.lines {
        match line.speaker {
            Speaker::Customer => {
                waiting_since.get_or_insert(line.at);
            }
            speaker if speaker == replier => {
                if let Some(since) = waiting_since.take() {
                    waits.push(line.at - since);
                }
            }
            _ => {}
        }
    }
    Signals {
        customer_sentiment,
        first_response: waits.first().copied(),
        longest_wait: waits.iter().max().copied(),
        last_request_answered: waiting_since.is_none(),
        tone,
        customer_wrote: transcript.customer_lines().next().is_some(),
    }
}

/// 1 for a reply within [`FAST_MINUTES`], 0 after [`SLOW_MINUTES`] or none.
fn speed_of(wait: Option<Duration>) -> f32 {
    let Some(wait) = wait else { return 0.0 };
    let minutes = wait.num_seconds() as f32 / 60.0;
    ((SLOW_MINUTES - minutes) / (SLOW_MINUTES - FAST_MINUTES)).clamp(0.0, 1.0)
}

pub fn score(transcript: &Transcript) -> Score {
    let signals = signals(transcript);
    let speed = if signals.customer_wrote {
        (speed_of(signals.first_response) + speed_of(signals.longest_wait)) / 2.0
    } else {
        1.0
    };
    let feeling = (signals.customer_sentiment + 1.0) / 2.0;
    let answered = if signals.last_request_answered {
        1.0
    } else {
        0.0
    };
    // Only a hostile tone costs: a plain, neutral answer is good service.
    let tone = (1.0 + signals.tone.min(0.0)).clamp(0.0, 1.0);
    let sum = CUSTOMER_FEELING_WEIGHT * feeling
        + SPEED_WEIGHT * speed
        + ANSWERED_WEIGHT * answered
        + TONE_WEIGHT * tone;
    Score {
        value: ((sum * 100.0).round() / 10.0).clamp(0.0, 10.0),
        signals,
    }
}

impl Score {
    /// The written justification, in the account's language.
    pub fn justification(&self, locale: Locale) -> String {
        let s = &self.signals;
        let pt = locale == Locale::PtBr;
        let mut parts = Vec::new();
        if s.customer_wrote {
            parts.push(match (s.first_response, pt) {
                (Some(wait), true) => format!("Primeira resposta em {}", minutes(wait, pt)),
                (Some(wait), false) => format!("First reply after {}", minutes(wait, pt)),
                (None, true) => "O cliente não recebeu resposta".to_string(),
                (None, false) => "The customer got no reply".to_string(),
            });
            if let Some(longest) = s.longest_wait.filter(|w| Some(*w) != s.first_response) {
                parts.push(if pt {
                    format!("maior espera do cliente: {}", minutes(longest, pt))
                } else {
                    format!("longest wait: {}", minutes(longest, pt))
                });
            }
            parts.push(
                match (s.last_request_answered, pt) {
                    (true, true) => "o último pedido do cliente foi respondido",
                    (true, false) => "the customer's last request was answered",
                    (false, true) => "a última mensagem do cliente ficou sem resposta",
                    (false, false) => "the customer's last message went unanswered",
                }
                .to_string(),
            );
            let feeling = sentiment::feeling_of(s.customer_sentiment);
            parts.push(
                match (feeling, pt) {
                    (Feeling::Negative, true) => "o cliente terminou insatisfeito",
                    (Feeling::Negative, false) => "the customer ended up unhappy",
                    (Feeling::Neutral, true) => "o cliente terminou neutro",
                    (Feeling::Neutral, false) => "the customer ended up neutral",
                    (Feeling::Positive, true) => "o cliente terminou satisfeito",
                    (Feeling::Positive, false) => "the customer ended up satisfied",
                }
                .to_string(),
            );
        } else if pt {
            parts.push("O cliente não escreveu".to_string());
        } else {
            parts.push("The customer wrote nothing".to_string());
        }
        parts.push(
            match (sentiment::feeling_of(s.tone), pt) {
                (Feeling::Negative, true) => "tom do atendimento hostil",
                (Feeling::Negative, false) => "the replies' tone was hostile",
                (_, true) => "tom do atendimento adequado",
                (_, false) => "the replies' tone was fine",
            }
            .to_string(),
        );
        let value = if pt {
            format!("{:.1}", self.value).replace('.', ",")
        } else {
            format!("{:.1}", self.value)
        };
        let formula = if pt {
            "50% sentimento do cliente, 20% rapidez, 15% último pedido respondido, 15% tom"
        } else {
            "50% customer sentiment, 20% speed, 15% last request answered, 15% tone"
        };
        format!(
            "{}. {} {value}/10 ({formula}).",
            parts.join("; "),
            if pt { "Nota" } else { "Score" }
        )
    }
}

fn minutes(wait: Duration, pt: bool) -> String {
    let minutes = wait.num_minutes();
    match (minutes, pt) {
        (0, true) => "menos de 1 min".to_string(),
        (0, false) => "under 1 min".to_string(),
        (m, _) if m < 120 => format!("{m} min"),
        (m, _) => format!("{} h {} min", m / 60, m % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::quality::transcript::Line;
    use chrono::{TimeZone, Utc};

    fn at(minute: i64) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn transcript(lines: &[(Speaker, i64, &str)]) -> Transcript {
        Transcript {
            lines: lines
                .iter()
                .map(|(speaker, minute, text)| Line {
                    speaker: *speaker,
                    at: at(*minute),
                    text: text.to_string(),
                })
                .collect(),
        }
    }

    use Speaker::{Agent, Automatic, Customer};

    #[test]
    fn a_fast_answer_to_a_neutral_customer_scores_seven_and_a_half() {
        // feeling 0 → 0.5 × 0.5; speed 1 × 0.2; answered 0.15; tone 0.15.
        let review = score(&transcript(&[
            (Customer, 0, "Qual o prazo de entrega para Recife?"),
            (Agent, 2, "O prazo é de 5 dias úteis."),
        ]));
        assert_eq!(review.value, 7.5);
        assert_eq!(review.signals.first_response, Some(Duration::minutes(2)));
        assert!(review.signals.last_request_answered);
    }

    #[test]
    fn a_hostile_customer_left_waiting_scores_low() {
        let review = score(&transcript(&[
            (Customer, 0, "Meu pedido não chegou"),
            (Agent, 90, "Vou verificar."),
            (
                Customer,
                95,
                "Péssimo atendimento, estou furioso, vou cancelar tudo!",
            ),
        ]));
        let s = &review.signals;
        assert!(s.customer_sentiment < -0.2, "{s:?}");
        assert!(!s.last_request_answered);
        assert_eq!(s.first_response, Some(Duration::minutes(90)));
        // speed 0; answered 0; feeling (1 + sentiment) / 2 × 0.5; tone 0.15.
        let expected = ((0.5 * (1.0 + s.customer_sentiment) / 2.0 + 0.15) * 100.0).round() / 10.0;
        assert_eq!(review.value, expected);
        assert!(review.value < 4.0, "{}", review.value);
    }

    #[test]
    fn a_thankful_customer_answered_fast_scores_high() {
        let review = score(&transcript(&[
            (Customer, 0, "Preciso da segunda via do boleto"),
            (Agent, 1, "Enviei a segunda via para o seu e-mail."),
            (Customer, 3, "Recebi, muito obrigada! Ótimo atendimento"),
            (Agent, 4, "Disponha!"),
        ]));
        // Above the neutral 7.5: the customer's thanks count.
        assert!(review.signals.customer_sentiment >= 0.2);
        assert!(review.value > 8.0, "{}", review.value);
    }

    #[test]
    fn the_wait_is_measured_from_the_first_unanswered_message() {
        let s = signals(&transcript(&[
            (Customer, 0, "oi"),
            (Customer, 10, "alguém aí?"),
            (Agent, 30, "Olá, desculpe a demora"),
            (Customer, 31, "ok"),
            (Agent, 33, "Pronto"),
        ]));
        assert_eq!(s.first_response, Some(Duration::minutes(30)));
        assert_eq!(s.longest_wait, Some(Duration::minutes(30)));
        assert!(s.last_request_answered);
    }

    #[test]
    fn an_agents_reply_counts_for_speed_not_the_bots_greeting() {
        let s = signals(&transcript(&[
            (Customer, 0, "oi"),
            (Automatic, 0, "Olá! Um atendente já vai falar com você."),
            (Agent, 45, "Olá"),
        ]));
        assert_eq!(s.first_response, Some(Duration::minutes(45)));
        let bot_only = signals(&transcript(&[(Customer, 0, "oi"), (Automatic, 0, "Olá!")]));
        assert_eq!(bot_only.first_response, Some(Duration::zero()));
    }

    #[test]
    fn a_rude_reply_costs_the_tone_share() {
        let polite = score(&transcript(&[
            (Customer, 0, "Qual o horário de funcionamento?"),
            (Agent, 1, "Das 9h às 18h."),
        ]));
        let rude = score(&transcript(&[
            (Customer, 0, "Qual o horário de funcionamento?"),
            (Agent, 1, "Que pergunta idiota, péssimo, leia o site."),
        ]));
        assert!(rude.signals.tone < 0.0);
        assert!(
            rude.value < polite.value,
            "{} vs {}",
            rude.value,
            polite.value
        );
    }

    #[test]
    fn the_justification_names_each_signal_in_the_accounts_language() {
        let review = score(&transcript(&[
            (Customer, 0, "Meu pedido não chegou"),
            (Agent, 90, "Vou verificar."),
            (Customer, 95, "Péssimo atendimento, estou furioso!"),
        ]));
        let pt = review.justification(Locale::PtBr);
        assert!(pt.starts_with("Primeira resposta em 90 min"), "{pt}");
        assert!(pt.contains("ficou sem resposta"), "{pt}");
        assert!(pt.contains("terminou insatisfeito"), "{pt}");
        assert!(
            pt.contains(&format!("{:.1}/10", review.value).replace('.', ",")),
            "{pt}"
        );
        let en = review.justification(Locale::En);
        assert!(en.contains("went unanswered"), "{en}");
        assert!(en.contains("ended up unhappy"), "{en}");
    }
}
