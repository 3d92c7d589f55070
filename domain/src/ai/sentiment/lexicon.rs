//! The lexicons (`pt_br.txt`, `en.txt`): one entry a line, `word score`
//! from -4 to 4, or `stem* score` for every word that starts with the stem
//! ("demor*" is "demora", "demorou", "demorando"); and the modifiers:
//! `word !not`, `word !but`, `word !stop` (a conjunction: a new clause),
//! `word xFACTOR` (an intensifier or softener).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::words::fold;

const SOURCES: [&str; 2] = [include_str!("pt_br.txt"), include_str!("en.txt")];

/// What a word does to the words after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Modifier {
    Negation,
    /// Multiplies the next scored word ("muito" 1.5, "pouco" 0.5).
    Intensity(f32),
    /// "mas", "but": what follows matters more.
    But,
    /// "e", "and": a new clause (a negation does not reach past it).
    Stop,
}

#[derive(Default)]
pub(super) struct Lexicon {
    words: HashMap<String, f32>,
    stems: HashMap<String, f32>,
    modifiers: HashMap<String, Modifier>,
    longest_stem: usize,
}

/// Stems shorter than this never match (too many words start with "ma").
const SHORTEST_STEM: usize = 4;

impl Lexicon {
    pub(super) fn get() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(|| {
            let mut lexicon = Lexicon::default();
            for source in SOURCES {
                lexicon.read(source);
            }
            lexicon
        })
    }

    /// Reads entries; a line it cannot read is skipped (the tests read
    /// every line, so none ships).
    fn read(&mut self, source: &str) {
        for (word, value) in entries(source) {
            let word = fold(word);
            match value {
                Entry::Score(score) => match word.strip_suffix('*') {
                    Some(stem) => {
                        self.longest_stem = self.longest_stem.max(stem.chars().count());
                        self.stems.insert(stem.to_string(), score);
                    }
                    None => {
                        self.words.insert(word, score);
                    }
                },
                Entry::Modifier(modifier) => {
                    self.modifiers.insert(word, modifier);
                }
            }
        }
    }

    pub(super) fn modifier(&self, word: &str) -> Option<Modifier> {
        self.modifiers.get(word).copied()
    }

    /// The word's score: its own entry, else its longest listed stem.
    pub(super) fn score(&self, word: &str) -> Option<f32> {
        if let Some(score) = self.words.get(word) {
            return Some(*score);
        }
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        let longest = chars.len().min(self.longest_stem);
        (SHORTEST_STEM..=longest).rev().find_map(|n| {
            let end = chars.get(n).map_or(word.len(), |(i, _)| *i);
            self.stems.get(&word[..end]).copied()
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Entry {
    Score(f32),
    Modifier(Modifier),
}

/// The entries of a lexicon file, and the lines that are not entries
/// (`Err` with the line), comments and blank lines skipped.
pub(super) fn parse(source: &str) -> impl Iterator<Item = Result<(&str, Entry), &str>> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (word, value) = line.rsplit_once(char::is_whitespace).ok_or(line)?;
            let word = word.trim();
            let entry = match value {
                "!not" => Entry::Modifier(Modifier::Negation),
                "!but" => Entry::Modifier(Modifier::But),
                "!stop" => Entry::Modifier(Modifier::Stop),
                factor if factor.starts_with('x') => {
                    Entry::Modifier(Modifier::Intensity(factor[1..].parse().map_err(|_| line)?))
                }
                score => {
                    let score: f32 = score.parse().map_err(|_| line)?;
                    if !(-4.0..=4.0).contains(&score) {
                        return Err(line);
                    }
                    Entry::Score(score)
                }
            };
            Ok((word, entry))
        })
}

fn entries(source: &str) -> impl Iterator<Item = (&str, Entry)> {
    parse(source).filter_map(Result::ok)
}
