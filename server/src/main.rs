//! `ponte`: the server binary and its maintenance commands.

use anyhow::{bail, Context};
use lexopt::prelude::*;
use std::net::SocketAddr;
use std::process::ExitCode;

use server::config::Settings;
use server::Application;

const HELP: &str = "\
ponte — omnichannel customer service

USAGE:
    ponte <COMMAND> [OPTIONS]

COMMANDS:
    serve [--addr HOST:PORT] [--no-migrate]
            Run the web server (migrates first unless --no-migrate).
    migrate
            Apply pending database migrations and exit.
    seed-demo [--slug SLUG] [--without-flow] [--without-rules]
            Create the demo account, its people and sample inbox (idempotent).
            Another slug makes a demo-like account with its own people
            (admin@SLUG.ponte.dev, …), e.g. one per browser test.
            --without-flow leaves out the example flow that greets website
            visitors (for tests of the human path); --without-rules the
            example rules (benchmarks comparable with their history).
    seed-load [--account SLUG] [--conversations N] [--messages M]
            Add bulk test data to an account (default: demo, 100000, 1000000).
    api-token create --email E [--name N] [--account SLUG]
            Print a new REST API token for that user.
    audit verify
            Check every account's audit hash chain; exit code 1 on tampering.
    reseal-secrets
            After a key rotation (the new PONTE_SECRET_KEY set, the old one in
            PONTE_OLD_SECRET_KEYS): seal every stored secret again with the new
            key, so the old one can be dropped.
    evaluate-ai
            Measure the offline AI engine on its labelled examples (accuracy
            of sentiment per language; the misses with --verbose).
    help    Show this text.

ENVIRONMENT:
    DATABASE_URL            PostgreSQL URL of the schema owner (required)
    PONTE_APP_DATABASE_URL  URL for the runtime role (default: derived from the key)
    PONTE_ADDR              Listen address (default 127.0.0.1:3000)
    PONTE_PUBLIC_URL        External base URL (default http://PONTE_ADDR)
    PONTE_SECRET_KEY        32-byte key, base64 (default: generated into PONTE_DATA_DIR)
    PONTE_DATA_DIR          Data folder (default .data)
    LEPTOS_SITE_ROOT        Built site folder (default: next to the binary)
    RUST_LOG                Log filter (default info)
";

enum Command {
    ResealSecrets,
    Serve {
        addr: Option<SocketAddr>,
        migrate: bool,
    },
    Migrate,
    SeedDemo {
        slug: String,
        with_flow: bool,
        with_rules: bool,
    },
    SeedLoad {
        account: String,
        conversations: i64,
        messages: i64,
        agents: i64,
    },
    ApiTokenCreate {
        email: String,
        name: String,
        account: Option<String>,
    },
    AuditVerify,
    EvaluateAi {
        verbose: bool,
    },
    Help,
}

fn parse_args() -> anyhow::Result<Command> {
    let mut parser = lexopt::Parser::from_env();
    let command = match parser.next()? {
        Some(Value(word)) => word.string()?,
        Some(Short('h') | Long("help")) | None => return Ok(Command::Help),
        Some(other) => bail!("{}", other.unexpected()),
    };
    match command.as_str() {
        "serve" => {
            let (mut addr, mut migrate) = (None, true);
            while let Some(arg) = parser.next()? {
                match arg {
                    Long("addr") => {
                        addr = Some(
                            parser
                                .value()?
                                .string()?
                                .parse()
                                .context("--addr must look like 127.0.0.1:3000")?,
                        )
                    }
                    Long("no-migrate") => migrate = false,
                    other => bail!("{}", other.unexpected()),
                }
            }
            Ok(Command::Serve { addr, migrate })
        }
        "migrate" => Ok(Command::Migrate),
        "seed-demo" => {
            let mut slug = domain::seed::DEMO_SLUG.to_string();
            let (mut with_flow, mut with_rules) = (true, true);
            while let Some(arg) = parser.next()? {
                match arg {
                    Long("slug") => slug = parser.value()?.string()?,
                    Long("without-flow") => with_flow = false,
                    Long("without-rules") => with_rules = false,
                    other => bail!("{}", other.unexpected()),
                }
            }
            // The demo's own slug is reserved for sign-ups, not for its seed.
            if slug != domain::seed::DEMO_SLUG {
                shared::values::Slug::parse(&slug)
                    .map_err(|code| anyhow::anyhow!("--slug {slug}: {code}"))?;
            }
            Ok(Command::SeedDemo {
                slug,
                with_flow,
                with_rules,
            })
        }
        "seed-load" => {
            let (mut account, mut conversations, mut messages, mut agents) =
                ("demo".to_string(), 100_000, 1_000_000, 0);
            while let Some(arg) = parser.next()? {
                match arg {
                    Long("account") => account = parser.value()?.string()?,
                    Long("conversations") => conversations = parser.value()?.parse()?,
                    Long("messages") => messages = parser.value()?.parse()?,
                    Long("agents") => agents = parser.value()?.parse()?,
                    other => bail!("{}", other.unexpected()),
                }
            }
            Ok(Command::SeedLoad {
                account,
                conversations,
                messages,
                agents,
            })
        }
        "api-token" => {
            match parser.next()? {
                Some(Value(sub)) if sub == "create" => {}
                _ => bail!("usage: ponte api-token create --email E [--name N] [--account SLUG]"),
            }
            let (mut email, mut name, mut account) = (None, "CLI token".to_string(), None);
            while let Some(arg) = parser.next()? {
                match arg {
                    Long("email") => email = Some(parser.value()?.string()?),
                    Long("name") => name = parser.value()?.string()?,
                    Long("account") => account = Some(parser.value()?.string()?),
                    other => bail!("{}", other.unexpected()),
                }
            }
            let email = email.context("--email is required")?;
            Ok(Command::ApiTokenCreate {
                email,
                name,
                account,
            })
        }
        "audit" => match parser.next()? {
            Some(Value(sub)) if sub == "verify" => Ok(Command::AuditVerify),
            _ => bail!("usage: ponte audit verify"),
        },
        "evaluate-ai" => {
            let mut verbose = false;
            while let Some(arg) = parser.next()? {
                match arg {
                    Long("verbose") => verbose = true,
                    other => bail!("{}", other.unexpected()),
                }
            }
            Ok(Command::EvaluateAi { verbose })
        }
        "reseal-secrets" => Ok(Command::ResealSecrets),
        "help" => Ok(Command::Help),
        other => bail!("unknown command {other:?}; see `ponte --help`"),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    server::telemetry::init();
    let command = match parse_args() {
        Ok(command) => command,
        Err(err) => {
            eprintln!("error: {err}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    match run(command).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Help => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { addr, migrate } => {
            let mut settings = Settings::from_env()?;
            if let Some(addr) = addr {
                settings.addr = addr;
            }
            settings.migrate_on_start = migrate;
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), public_url = %app.public_url(), "Ponte is listening");
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::ResealSecrets => {
            let settings = Settings::from_env()?;
            let owner = domain::db::connect_owner(&settings.database_url).await?;
            let vault = domain::channels::vault::Vault::new(
                &settings.secret_key,
                &settings.old_secret_keys,
            )?;
            for (table, count) in
                domain::channels::vault_rotation::reseal_all(&owner, &vault).await?
            {
                println!("{table}: {count} sealed again with the current key");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::EvaluateAi { verbose } => {
            evaluate_ai(verbose)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let settings = Settings::from_env()?;
            let owner = domain::db::connect_owner(&settings.database_url).await?;
            domain::db::migrate(&owner).await?;
            if settings.app_database_url.is_none() {
                let key = &settings.secret_key;
                domain::db::enable_runtime_login(
                    &owner,
                    &key.runtime_db_role(),
                    &key.runtime_db_password(),
                )
                .await?;
            }
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::SeedDemo {
            slug,
            with_flow,
            with_rules,
        } => {
            let settings = Settings::from_env()?;
            let (owner, db) = connect_both(&settings).await?;
            let demo = domain::seed::demo_with(&owner, &db, &slug).await?;
            let inbox = domain::seed::demo_inbox(&db, &settings.secret_key, &demo).await?;
            if inbox {
                // 90 days of resolved conversations for the dashboard and
                // the reports (not in the tests' demo inbox: they count).
                let agents: Vec<_> = demo.users[1..].iter().map(|(_, id)| *id).collect();
                domain::history::seed_conversations(&db, demo.account_id, &agents, 90).await?;
                // The supervisor's weekly e-mail of the team's figures, so
                // Reports shows a scheduled one.
                let supervisor = demo.actor(shared::Role::Supervisor);
                let weekly = shared::reports::ScheduleForm {
                    report: shared::reports::ReportKind::Productivity,
                    frequency: shared::reports::Frequency::Weekly,
                    format: shared::reports::FileFormat::Pdf,
                    recipients: supervisor.email.clone(),
                    agents: vec![],
                    departments: vec![],
                    channels: vec![],
                    categories: vec![],
                    locale: shared::Locale::PtBr,
                };
                domain::reports::schedules::create(&db, &supervisor, &weekly).await?;
            }
            if with_flow {
                domain::seed::demo_flow(&db, &settings.secret_key, &demo).await?;
            }
            // Agents answer only in flows that ask them (the demo's starts by
            // hand), so every demo-like account has them.
            domain::seed::demo_agents(&db, &demo).await?;
            if with_rules {
                let vault = domain::channels::vault::Vault::new(
                    &settings.secret_key,
                    &settings.old_secret_keys,
                )?;
                domain::seed::demo_rules(&db, &vault, &settings.secret_key, &demo).await?;
            }
            println!(
                "demo account {}{} — sign in with {} / {}",
                if demo.created {
                    "created"
                } else {
                    "already present"
                },
                if inbox { " with a sample inbox" } else { "" },
                domain::seed::DEMO_USERS
                    .map(|(local, _, _)| domain::seed::demo_email(local, &slug))
                    .join(", "),
                domain::seed::DEMO_PASSWORD
            );
            if let Some(channel) = domain::seed::website_channel_token(&db, &demo).await? {
                println!("website channel: {channel}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::SeedLoad {
            account,
            conversations,
            messages,
            agents,
        } => {
            let settings = Settings::from_env()?;
            let owner = domain::db::connect_owner(&settings.database_url).await?;
            let load = domain::load::Load {
                conversations,
                messages,
                agents,
            };
            let report =
                domain::load::seed(&owner, &account, &load, |step| eprintln!("  {step}…")).await?;
            println!(
                "added {} conversations and {} messages to {account} in {:.1} s",
                report.conversations,
                report.messages,
                report.elapsed.as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ApiTokenCreate {
            email,
            name,
            account,
        } => {
            let settings = Settings::from_env()?;
            let (owner, db) = connect_both(&settings).await?;
            let actor = domain::api_tokens::actor_for_cli(&owner, &email, account.as_deref())
                .await
                .map_err(|err| anyhow::anyhow!("no active user {email} in that account ({err})"))?;
            let created = domain::api_tokens::create(&db, &actor, &name, None)
                .await
                .map_err(|err| anyhow::anyhow!("could not create the token: {err}"))?;
            println!("{}", created.token);
            Ok(ExitCode::SUCCESS)
        }
        Command::AuditVerify => {
            let settings = Settings::from_env()?;
            let owner = domain::db::connect_owner(&settings.database_url).await?;
            let report = domain::audit::verify(&owner).await?;
            if report.is_intact() {
                println!(
                    "audit log intact: {} entries in {} chains",
                    report.entries, report.chains
                );
                Ok(ExitCode::SUCCESS)
            } else {
                for problem in &report.problems {
                    let chain = problem
                        .account_id
                        .map(|id| id.to_string())
                        .unwrap_or_else(|| "platform".into());
                    println!(
                        "TAMPERED chain {chain} entry #{}: {}",
                        problem.seq, problem.reason
                    );
                }
                println!(
                    "audit log NOT intact: {} problem(s) in {} entries",
                    report.problems.len(),
                    report.entries
                );
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// The owner pool (maintenance) and the runtime pool (domain calls).
async fn connect_both(settings: &Settings) -> anyhow::Result<(sqlx::PgPool, domain::Db)> {
    let owner = domain::db::connect_owner(&settings.database_url).await?;
    let url = match &settings.app_database_url {
        Some(url) => url.clone(),
        None => {
            let (role, password) = (
                settings.secret_key.runtime_db_role(),
                settings.secret_key.runtime_db_password(),
            );
            domain::db::enable_runtime_login(&owner, &role, &password).await?;
            domain::db::runtime_url_from_owner(&settings.database_url, &role, &password)?
        }
    };
    let db = domain::Db::connect(&url, 2).await?;
    Ok((owner, db))
}

/// Prints the offline engine's accuracy on its labelled examples.
fn evaluate_ai(verbose: bool) -> anyhow::Result<()> {
    use domain::ai::sentiment::evaluation::{evaluate, Set};
    println!("sentiment (offline engine), labelled examples:");
    for set in Set::ALL {
        let results = evaluate(set).map_err(|line| anyhow::anyhow!("not an example: {line}"))?;
        for result in &results {
            println!(
                "  {:<12} {:<3} {:>3}/{:<3} right  {:>5.1}%",
                set.name(),
                result.language,
                result.right,
                result.examples,
                result.ratio() * 100.0
            );
            if verbose {
                for (text, expected, found) in &result.misses {
                    println!(
                        "        expected {:<8} found {:<8} {text}",
                        expected.as_str(),
                        found.as_str()
                    );
                }
            }
        }
    }
    Ok(())
}
