//! Sentiment of customers' words, in Portuguese and English, offline: a
//! lexicon of scored words (ours, written for Ponte; see `LEXICON.md`) read
//! with the rules people use — "não" and "not" flip what follows, "muito"
//! and "very" strengthen it, what comes after "mas"/"but" weighs more, and
//! emoji, shouting and exclamation marks count. Measured by
//! [`evaluation::evaluate`] on `evaluation.tsv`.

pub mod evaluation;
mod lexicon;
mod words;

pub use shared::inbox::Feeling;

use lexicon::{Lexicon, Modifier};

/// A text's sentiment: `score` from -1 (hostile) to 1 (delighted).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sentiment {
    pub score: f32,
    pub feeling: Feeling,
}

/// Scores below -this are negative, above it positive.
const NEUTRAL_BAND: f32 = 0.2;
/// How many words after a negation it reaches.
const NEGATION_REACH: usize = 3;
/// A negated word counts this much, the other way.
const NEGATED: f32 = -0.75;
/// A negation that flips nothing ("não chegou") weighs this much.
const UNMATCHED_NEGATION: f32 = -1.0;
/// Before "mas"/"but" words count less, after it more.
const BEFORE_BUT: f32 = 0.5;
const AFTER_BUT: f32 = 1.5;
/// A word in capitals (shouted) counts this much more.
const SHOUTED: f32 = 1.3;
/// Each "!" (up to three) strengthens the text this much.
const PER_EXCLAMATION: f32 = 0.3;
/// After "bom"/"boa"/"good", these make a greeting.
const GREETED_TIMES: [&str; 8] = [
    "dia",
    "tarde",
    "noite",
    "morning",
    "afternoon",
    "evening",
    "night",
    "day",
];
/// Squashes the sum into -1..1 (the larger, the more words it takes).
const SQUASH: f32 = 12.0;

impl Sentiment {
    fn from_sum(sum: f32) -> Self {
        let score = if sum == 0.0 {
            0.0
        } else {
            sum / (sum * sum + SQUASH).sqrt()
        };
        Sentiment::of_score(score)
    }

    fn of_score(score: f32) -> Self {
        Sentiment {
            score,
            feeling: feeling_of(score),
        }
    }
}

/// How people would sort a score.
pub fn feeling_of(score: f32) -> Feeling {
    if score <= -NEUTRAL_BAND {
        Feeling::Negative
    } else if score >= NEUTRAL_BAND {
        Feeling::Positive
    } else {
        Feeling::Neutral
    }
}

/// A conversation's score after the customer's latest message: how they
/// feel now matters most (each message weighs as much as all before it).
pub fn follow(so_far: Option<f32>, latest: f32) -> f32 {
    match so_far {
        None => latest,
        Some(so_far) => so_far * (1.0 - LATEST_WEIGHT) + latest * LATEST_WEIGHT,
    }
}

/// The weight of the latest message in a conversation's score.
const LATEST_WEIGHT: f32 = 0.5;

/// The sentiment of one message (either language: the lexicons are merged,
/// since customers mix them).
pub fn of_text(text: &str) -> Sentiment {
    let lexicon = Lexicon::get();
    let tokens = words::tokens(text);
    let mut sum = 0.0f32;
    let mut weight_so_far = 1.0f32;
    let mut negation = Negation::default();
    let mut boost = 1.0f32;
    for (n, token) in tokens.iter().enumerate() {
        let greeting = tokens
            .get(n + 1)
            .is_some_and(|next| GREETED_TIMES.contains(&next.folded.as_str()));
        if greeting {
            // "bom dia", "good morning": a greeting, not praise.
            continue;
        }
        match lexicon.modifier(&token.folded) {
            Some(Modifier::Negation) => {
                sum += negation.close();
                negation.open();
            }
            Some(Modifier::Intensity(factor)) => boost *= factor,
            Some(Modifier::But) => {
                sum += negation.close();
                sum *= BEFORE_BUT;
                weight_so_far = AFTER_BUT;
                boost = 1.0;
            }
            Some(Modifier::Stop) => {
                sum += negation.close();
                boost = 1.0;
            }
            None => {
                if let Some(value) = lexicon.score(&token.folded) {
                    let mut value = value * boost * weight_so_far;
                    if token.shouted {
                        value *= SHOUTED;
                    }
                    sum += negation.apply(value);
                    boost = 1.0;
                } else {
                    negation.pass();
                }
            }
        }
        if token.ends_clause {
            sum += negation.close();
            boost = 1.0;
        }
    }
    sum += negation.close();
    sum += words::emoji_score(text);
    let exclamations = text.matches('!').count().min(3) as f32;
    if sum != 0.0 && exclamations > 0.0 {
        sum += sum.signum() * PER_EXCLAMATION * exclamations;
    }
    Sentiment::from_sum(sum)
}

/// A negation's reach: the next few words of its clause. One that finds
/// nothing to flip still says something went wrong ("não chegou", "it
/// doesn't work").
#[derive(Default)]
struct Negation {
    words_left: usize,
    unmatched: bool,
}

impl Negation {
    fn open(&mut self) {
        self.words_left = NEGATION_REACH;
    }

    /// A scored word: flipped if within reach (which ends there).
    fn apply(&mut self, value: f32) -> f32 {
        if self.words_left > 0 {
            self.words_left = 0;
            value * NEGATED
        } else {
            value
        }
    }

    /// A word with no score: the reach shrinks; at its end, what it weighs.
    fn pass(&mut self) {
        if self.words_left == 1 {
            self.words_left = 0;
            self.unmatched = true;
        } else {
            self.words_left = self.words_left.saturating_sub(1);
        }
    }

    /// The clause ends: an open or unmatched negation counts on its own.
    fn close(&mut self) -> f32 {
        let unmatched = std::mem::take(&mut self.unmatched) || self.words_left > 0;
        self.words_left = 0;
        if unmatched {
            UNMATCHED_NEGATION
        } else {
            0.0
        }
    }
}

/// A conversation's sentiment from its customer's messages, oldest first
/// (what [`follow`] keeps up to date message by message).
pub fn of_conversation<'a>(messages: impl IntoIterator<Item = &'a str>) -> Sentiment {
    let score = messages.into_iter().fold(None, |so_far, text| {
        Some(follow(so_far, of_text(text).score))
    });
    Sentiment::of_score(score.unwrap_or(0.0))
}

#[cfg(test)]
mod tests;
