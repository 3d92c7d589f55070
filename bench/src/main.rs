//! `ponte-bench`: measures a running Ponte loaded with `ponte seed-load`.
//!
//! Modes (`--mode`, default `all`):
//! - `latency`: conversation list, open conversation and search (p50/p95,
//!   over HTTP as the browser calls them);
//! - `fanout`: one customer message to many agent sockets (p50/p99), against
//!   the floor (a bare broadcast server started here, same client code), and
//!   the server's memory idle, with the sockets open, and after they close;
//! - `sustained`: agent sockets open while customers write at a steady rate;
//! - `ingest` (not in `all`): signed webhooks against `pgbench` inserts, then
//!   a fixed rate, and the workers' backlog (needs `--database-url`).
//!
//! Run through `./ponte.sh bench` (see docs/BENCHMARKS.md).

mod fanout;
mod floor;
mod http;
mod ingest;
mod latency;
mod sockets;
mod stats;
mod sustained;

use anyhow::bail;
use stats::{mb, percentile, report};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    All,
    Latency,
    FanOut,
    Sustained,
    Ingest,
}

struct Options {
    url: String,
    server_pid: Option<u32>,
    email: String,
    admin_email: String,
    password: String,
    mode: Mode,
    requests: usize,
    sockets: usize,
    rounds: usize,
    floor_addr: String,
    load: sustained::Load,
    serve_floor: Option<String>,
    database_url: Option<String>,
}

fn options() -> anyhow::Result<Options> {
    use lexopt::prelude::*;
    let mut o = Options {
        url: "http://127.0.0.1:3299".into(),
        server_pid: None,
        email: "supervisor@demo.ponte.dev".into(),
        admin_email: "admin@demo.ponte.dev".into(),
        password: "ponte-demo-2026".into(),
        mode: Mode::All,
        requests: 300,
        sockets: 1000,
        rounds: 30,
        floor_addr: "127.0.0.1:3298".into(),
        load: sustained::Load {
            rate: 200,
            conversations: 500,
            seconds: 60,
        },
        serve_floor: None,
        database_url: None,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("url") => o.url = parser.value()?.string()?,
            Long("server-pid") => o.server_pid = Some(parser.value()?.parse()?),
            Long("email") => o.email = parser.value()?.string()?,
            Long("admin-email") => o.admin_email = parser.value()?.string()?,
            Long("password") => o.password = parser.value()?.string()?,
            Long("mode") => {
                o.mode = match parser.value()?.string()?.as_str() {
                    "all" => Mode::All,
                    "latency" => Mode::Latency,
                    "fanout" => Mode::FanOut,
                    "sustained" => Mode::Sustained,
                    "ingest" => Mode::Ingest,
                    other => {
                        bail!("unknown mode {other} (all, latency, fanout, sustained, ingest)")
                    }
                }
            }
            Long("requests") => o.requests = parser.value()?.parse()?,
            Long("sockets") => o.sockets = parser.value()?.parse()?,
            Long("rounds") => o.rounds = parser.value()?.parse()?,
            Long("floor-addr") => o.floor_addr = parser.value()?.string()?,
            Long("rate") => o.load.rate = parser.value()?.parse()?,
            Long("conversations") => o.load.conversations = parser.value()?.parse()?,
            Long("seconds") => o.load.seconds = parser.value()?.parse()?,
            Long("serve-floor") => o.serve_floor = Some(parser.value()?.string()?),
            Long("database-url") => o.database_url = Some(parser.value()?.string()?),
            other => bail!("{}", other.unexpected()),
        }
    }
    if o.load.rate == 0 || o.load.conversations == 0 || o.sockets == 0 {
        bail!("--rate, --conversations and --sockets must be at least 1");
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = options()?;
    if let Some(addr) = &o.serve_floor {
        return floor::serve(addr).await;
    }
    if o.mode == Mode::Ingest {
        let admin = http::Session::sign_in(&o.url, &o.admin_email, &o.password).await?;
        let Some(database_url) = &o.database_url else {
            bail!("--mode ingest needs --database-url (the server's database)");
        };
        let target = ingest::Target {
            admin: &admin,
            database_url,
        };
        return ingest::run(&target, o.load.rate).await;
    }
    let supervisor = http::Session::sign_in(&o.url, &o.email, &o.password).await?;
    if matches!(o.mode, Mode::All | Mode::Latency) {
        latency::run(&supervisor, o.requests).await?;
    }
    if matches!(o.mode, Mode::All | Mode::FanOut) {
        fan_out_against_the_floor(&o, &supervisor).await?;
    }
    if matches!(o.mode, Mode::All | Mode::Sustained) {
        let admin = http::Session::sign_in(&o.url, &o.admin_email, &o.password).await?;
        sustained_load(&o, &supervisor, &admin).await?;
    }
    Ok(())
}

async fn fan_out_against_the_floor(o: &Options, supervisor: &http::Session) -> anyhow::Result<()> {
    let mut floor_server = floor::start(&o.floor_addr).await?;
    let floor_url = format!("ws://{}", o.floor_addr);
    let publisher = sockets::open_one(
        &sockets::Target {
            ws_url: format!("{floor_url}/publish"),
            origin: &o.url,
            cookie: None,
        },
        "10.255.0.1",
    )
    .await?;
    let floor_target = sockets::Target {
        ws_url: format!("{floor_url}/ws"),
        origin: &o.url,
        cookie: None,
    };
    let floor_run = fanout::measure(
        &floor_target,
        fanout::Trigger::Publisher(Box::new(publisher)),
        o.sockets,
        o.rounds,
        Some(floor_server.id()),
    )
    .await;
    let _ = floor_server.kill();
    let _ = floor_server.wait();
    let mut floor_run = floor_run?;

    let ponte_target = sockets::Target {
        ws_url: format!("{}/ws", o.url.replacen("http", "ws", 1)),
        origin: &o.url,
        cookie: Some(&supervisor.cookie),
    };
    let trigger = fanout::Trigger::customer(supervisor, fanout::WARM_UP_ROUNDS + o.rounds).await?;
    let mut ponte_run =
        fanout::measure(&ponte_target, trigger, o.sockets, o.rounds, o.server_pid).await?;

    let n = o.sockets;
    println!("\n| fan-out to {n} sockets | samples | p50 | p99 |\n|---|---|---|---|");
    let (f50, f99) = (
        percentile(&mut floor_run.delivered, 50.0),
        percentile(&mut floor_run.delivered, 99.0),
    );
    let (p50, p99) = (
        percentile(&mut ponte_run.delivered, 50.0),
        percentile(&mut ponte_run.delivered, 99.0),
    );
    println!(
        "| floor: bare tokio-tungstenite broadcast | {} | {f50:.1} ms | {f99:.1} ms |",
        floor_run.delivered.len()
    );
    println!(
        "| Ponte: customer POST → stored → NOTIFY → sockets | {} | {p50:.1} ms | {p99:.1} ms |",
        ponte_run.delivered.len()
    );
    println!(
        "| Ponte ÷ floor | | {:.2}× | {:.2}× |",
        p50 / f50,
        p99 / f99
    );
    report(
        "Ponte: customer message accepted (widget POST)",
        &mut ponte_run.accepted,
        99.0,
    );
    println!(
        "\n| server RSS | idle | {n} sockets open | 3 s after they closed |\n|---|---|---|---|"
    );
    for (name, run) in [("floor", &floor_run), ("Ponte", &ponte_run)] {
        println!(
            "| {name} | {} | {} | {} |",
            mb(run.rss_idle),
            mb(run.rss_with_sockets),
            mb(run.rss_after_close)
        );
    }
    Ok(())
}

async fn sustained_load(
    o: &Options,
    supervisor: &http::Session,
    admin: &http::Session,
) -> anyhow::Result<()> {
    let mut run = sustained::run(supervisor, admin, &o.load, o.sockets, o.server_pid).await?;
    let l = &o.load;
    println!(
        "\nSustained: {} sockets, customers writing {}/s across {} conversations for {} s \
         (after {} s of the same load untimed)",
        o.sockets,
        l.rate,
        l.conversations,
        l.seconds,
        sustained::WARM_UP.as_secs()
    );
    println!("\n| measurement | value |\n|---|---|");
    println!(
        "| messages sent (refused) | {} ({}) |",
        run.sent, run.refused
    );
    println!("| frames delivered | {} |", run.latencies.len());
    println!(
        "| delivery p50 / p99 / max | {:.1} / {:.1} / {:.1} ms |",
        percentile(&mut run.latencies, 50.0),
        percentile(&mut run.latencies, 99.0),
        percentile(&mut run.latencies, 100.0)
    );
    let by_window: Vec<String> = run
        .by_window
        .iter_mut()
        .map(|window| format!("{:.0}", percentile(window, 99.0)))
        .collect();
    println!(
        "| delivery p99 by {} s of sending (ms) | {} |",
        sustained::WINDOW.as_secs(),
        by_window.join(", ")
    );
    println!(
        "| frames missing on sockets that kept up | {} |",
        run.missing_frames
    );
    println!(
        "| sockets closed by the server (too slow) | {} |",
        run.sockets_closed
    );
    let rss: Vec<String> = run.rss.iter().map(|r| format!("{r:.0}")).collect();
    println!("| server RSS every 5 s (MB) | {} |", rss.join(", "));
    println!(
        "| server CPU over the load (cores) | {} |",
        run.server_cores
            .map_or_else(|| "?".to_string(), |cores| format!("{cores:.2}"))
    );
    Ok(())
}
