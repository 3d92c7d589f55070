//! Percentiles, the report table and the server's memory.

/// Nearest-rank percentile; sorts `samples`.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    if samples.is_empty() {
        return f64::NAN;
    }
    let index = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[index]
}

/// Prints one row of the results table (p50 and the given tail).
pub fn report(name: &str, samples: &mut [f64], high: f64) {
    let p50 = percentile(samples, 50.0);
    let p_high = percentile(samples, high);
    println!(
        "| {name} | {} | {p50:.1} ms | {p_high:.1} ms (p{high}) |",
        samples.len()
    );
}

/// Resident memory of a process, in MB.
pub fn rss_mb(pid: Option<u32>) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// CPU time a process has used (user + system), in seconds.
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // Fields after the command name (which may hold spaces): state is the
    // first, utime and stime the 12th and 13th, in clock ticks (100 a
    // second on Linux).
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// "12 MB" or "?" when the process is not known.
pub fn mb(value: Option<f64>) -> String {
    value.map_or_else(|| "?".to_string(), |v| format!("{v:.0} MB"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_seconds_grows_with_work_and_is_unknown_without_a_process() {
        let me = Some(std::process::id());
        let before = cpu_seconds(me).expect("this process's CPU time");
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < std::time::Duration::from_millis(300) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let after = cpu_seconds(me).expect("this process's CPU time");
        assert!(after - before >= 0.1, "{before} → {after}");
        assert_eq!(cpu_seconds(None), None);
        assert_eq!(cpu_seconds(Some(u32::MAX)), None);
    }
}
