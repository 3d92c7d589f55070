//! SLA: a conversation in a department with a policy (the department's, or
//! the one it sets for the conversation's priority) gets its due times when
//! it starts, in the department's business time or plain time ([`clocks`]);
//! they stop while it waits on the customer and move on by the time
//! stopped; each time the customer writes after the first answer a
//! next-response clock runs until an agent answers. A sweeper on any
//! instance finds the clocks that ran out within seconds and records each
//! breach once ([`breaches`]) — an activity line, a notification to the
//! department's supervisors, the list's badge, live.

mod breaches;
mod clocks;
mod policies;

pub use breaches::{sweep_breaches, sweep_breaches_at};
pub(crate) use clocks::{customer_wrote, follow_status, reopened, retarget, start_clocks};
pub use policies::{list, remove, save};
