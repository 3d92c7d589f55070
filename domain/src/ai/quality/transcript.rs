//! A resolved conversation as the reviewer reads it: who said what, when.

use chrono::{DateTime, Utc};

/// Who wrote a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speaker {
    Customer,
    /// A person of the account.
    Agent,
    /// A flow, an automatic reply.
    Automatic,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub speaker: Speaker,
    pub at: DateTime<Utc>,
    pub text: String,
}

/// The conversation's customer and agent lines (no notes, no activity),
/// oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transcript {
    pub lines: Vec<Line>,
}

impl Transcript {
    pub fn customer_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines
            .iter()
            .filter(|line| line.speaker == Speaker::Customer)
    }

    /// The replies that count for the service's speed: people's when there
    /// are any (a bot's instant greeting must not hide a slow agent), else
    /// the automatic ones.
    pub fn replies_speaker(&self) -> Speaker {
        if self.lines.iter().any(|line| line.speaker == Speaker::Agent) {
            Speaker::Agent
        } else {
            Speaker::Automatic
        }
    }
}
