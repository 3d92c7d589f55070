//! Hands the memory of closed sockets back to the system.
//!
//! glibc's malloc keeps what the program frees for its own later use: after a
//! thousand agent sockets close (a shift ends, a deploy moves them to another
//! instance), their buffers would stay in the server's RSS until something
//! else reused them. Once many sockets have closed and the count has settled,
//! `malloc_trim(0)` returns the free pages.

use std::sync::Arc;
use std::time::Duration;

use crate::realtime::Hub;

/// Closed sockets worth a trim (a thousand hold about 13 MB).
const CLOSED_SOCKETS_PER_TRIM: i64 = 100;
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Runs for the server's life.
pub async fn give_back_after_sockets_close(hub: Arc<Hub>) {
    let mut ticker = tokio::time::interval(LOOK_EVERY);
    let mut watch = SocketWatch::default();
    loop {
        ticker.tick().await;
        if watch.should_trim(hub.open_sockets()) {
            if let Err(err) = tokio::task::spawn_blocking(trim).await {
                tracing::warn!(error = %err, "returning freed memory failed");
            }
        }
    }
}

/// Decides when to trim from the open-socket count seen once a second: after
/// enough sockets closed since the last trim (or the peak), once the count
/// stopped falling, so one trim follows a burst of closes.
#[derive(Default)]
struct SocketWatch {
    peak: i64,
    last: i64,
}

impl SocketWatch {
    fn should_trim(&mut self, open: i64) -> bool {
        let settled = open >= self.last;
        self.last = open;
        self.peak = self.peak.max(open);
        if settled && self.peak - open >= CLOSED_SOCKETS_PER_TRIM {
            self.peak = open;
            return true;
        }
        false
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes no pointers; it walks glibc's own heap under
    // glibc's own locks, and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_once_after_a_burst_of_closes_has_settled() {
        let mut watch = SocketWatch::default();
        // A thousand agents connect: nothing to give back.
        for open in [200, 600, 1000, 1000] {
            assert!(!watch.should_trim(open), "{open} open");
        }
        // They leave over two seconds: no trim while the count still falls.
        assert!(!watch.should_trim(400));
        assert!(!watch.should_trim(0));
        // Settled: one trim, and not again for the same closes.
        assert!(watch.should_trim(0));
        assert!(!watch.should_trim(0));
    }

    #[test]
    fn a_few_closes_are_not_worth_a_trim() {
        let mut watch = SocketWatch::default();
        assert!(!watch.should_trim(1000));
        assert!(!watch.should_trim(950));
        assert!(!watch.should_trim(950));
        // Positive control: fifty more make a hundred since the peak.
        assert!(!watch.should_trim(900));
        assert!(watch.should_trim(900));
    }
}
