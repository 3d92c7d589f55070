//! What agents, customers and the clock do to a conversation: status,
//! assignment and transfer, priority, critical flag, tags, reading — and the
//! one rule for a conversation coming back to work ([`resume`]).

mod assignment;
mod read;
mod reopen;
mod status;
mod triage;

pub use assignment::*;
pub use read::*;
pub use reopen::*;
pub use status::*;
pub use triage::*;
