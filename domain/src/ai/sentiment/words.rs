//! Words as the lexicon knows them: lower case, without accents (customers
//! type "nao", "pessimo"), apostrophes dropped ("don't" is "dont"); and the
//! emoji that say as much as a word.

/// A word of the text.
pub(super) struct Token {
    /// Lower case, accents folded.
    pub folded: String,
    /// Written in capitals, three letters or more ("PÉSSIMO").
    pub shouted: bool,
    /// Followed by a comma, a full stop or the like.
    pub ends_clause: bool,
}

pub(super) fn tokens(text: &str) -> Vec<Token> {
    let in_word = |c: char| c.is_alphanumeric() || c == '\'' || c == '’';
    let mut tokens: Vec<Token> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(in_word) {
        if tokens.last().is_some() && rest[..start].contains(CLAUSE_ENDS) {
            if let Some(last) = tokens.last_mut() {
                last.ends_clause = true;
            }
        }
        rest = &rest[start..];
        let end = rest.find(|c: char| !in_word(c)).unwrap_or(rest.len());
        let word = &rest[..end];
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        tokens.push(Token {
            folded: fold(word),
            shouted: letters >= 3 && !word.chars().any(char::is_lowercase),
            ends_clause: false,
        });
        rest = &rest[end..];
    }
    tokens
}

/// Punctuation that closes a clause (and the reach of a negation).
const CLAUSE_ENDS: [char; 6] = [',', '.', ';', ':', '!', '?'];

/// Lower case without accents or apostrophes.
pub(super) fn fold(word: &str) -> String {
    word.chars()
        .filter(|c| *c != '\'' && *c != '’')
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

const POSITIVE_EMOJI: &[char] = &[
    '😀', '😃', '😄', '😁', '😊', '🙂', '😍', '🥰', '😘', '👍', '👏', '🙏', '❤', '💙', '💚', '💜',
    '🎉', '🤩', '😎', '✅', '🥳',
];
const NEGATIVE_EMOJI: &[char] = &[
    '😠', '😡', '🤬', '😤', '😞', '😢', '😭', '😩', '😫', '👎', '💩', '🙄', '😒', '😔', '☹', '🙁',
    '😕', '😖',
];
/// Each emoji counts like a word of this weight.
const EMOJI: f32 = 1.5;

pub(super) fn emoji_score(text: &str) -> f32 {
    text.chars()
        .map(|c| {
            if POSITIVE_EMOJI.contains(&c) {
                EMOJI
            } else if NEGATIVE_EMOJI.contains(&c) {
                -EMOJI
            } else {
                0.0
            }
        })
        .sum()
}
