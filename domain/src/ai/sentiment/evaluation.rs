//! How well the offline engine sorts messages people have labelled
//! (written for this project): the set its rules were developed on
//! (`development.tsv`) and a held-out set never used to change them
//! (`holdout.tsv`). Accuracy per language is reported by `ponte
//! evaluate-ai` and held by a test to the recorded figures.

use super::{of_text, Feeling};

/// A set of labelled examples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Set {
    Development,
    HeldOut,
}

impl Set {
    pub const ALL: [Set; 2] = [Set::Development, Set::HeldOut];

    pub fn name(self) -> &'static str {
        match self {
            Set::Development => "development",
            Set::HeldOut => "held out",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Set::Development => include_str!("development.tsv"),
            Set::HeldOut => include_str!("holdout.tsv"),
        }
    }
}

/// One labelled message.
pub struct Example {
    pub language: &'static str,
    pub expected: Feeling,
    pub text: &'static str,
}

/// The set's labelled examples; a line that is not one is an error (with it).
pub fn examples(set: Set) -> Result<Vec<Example>, String> {
    set.source()
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.splitn(3, '\t');
            let (Some(language), Some(label), Some(text)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(line.to_string());
            };
            let expected = match label {
                "negative" => Feeling::Negative,
                "neutral" => Feeling::Neutral,
                "positive" => Feeling::Positive,
                _ => return Err(line.to_string()),
            };
            Ok(Example {
                language,
                expected,
                text,
            })
        })
        .collect()
}

/// The engine's results on one language's examples.
#[derive(Debug, Default)]
pub struct Accuracy {
    pub language: String,
    pub examples: usize,
    pub right: usize,
    /// The ones it got wrong: text, expected, found.
    pub misses: Vec<(String, Feeling, Feeling)>,
}

impl Accuracy {
    pub fn ratio(&self) -> f64 {
        if self.examples == 0 {
            0.0
        } else {
            self.right as f64 / self.examples as f64
        }
    }
}

/// Accuracy per language on `set`, in the file's order of languages.
pub fn evaluate(set: Set) -> Result<Vec<Accuracy>, String> {
    let mut results: Vec<Accuracy> = Vec::new();
    for example in examples(set)? {
        let found = of_text(example.text).feeling;
        let at = match results.iter().position(|r| r.language == example.language) {
            Some(at) => at,
            None => {
                results.push(Accuracy {
                    language: example.language.to_string(),
                    ..Accuracy::default()
                });
                results.len() - 1
            }
        };
        let result = &mut results[at];
        result.examples += 1;
        if found == example.expected {
            result.right += 1;
        } else {
            result
                .misses
                .push((example.text.to_string(), example.expected, found));
        }
    }
    Ok(results)
}
