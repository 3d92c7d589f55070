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

/// "12 MB" or "?" when the process is not known.
pub fn mb(value: Option<f64>) -> String {
    value.map_or_else(|| "?".to_string(), |v| format!("{v:.0} MB"))
}
