//! Sign-up, sign-in, throttling, sessions and their revocation.

use crate::helpers::spawn_app;
use shared::{AppError, ConflictReason, ErrorCode, Role};

const PASSWORD: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_creates_the_account_its_admin_and_a_session() {
    let app = spawn_app().await;
    let browser = app.browser();
    let reply = browser
        .call(
            "sign_up",
            &[
                ("company_name", "Padaria São João"),
                ("slug", ""),
                ("name", "Joana"),
                ("email", "Joana@Padaria.com.br"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let cookie = reply
        .headers
        .get("set-cookie")
        .expect("session cookie")
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("ponte_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );

    let session = browser.session().await.expect("signed in");
    assert_eq!(session.account.name, "Padaria São João");
    assert_eq!(
        session.account.slug, "padaria-sao-joao",
        "slug derived from the name"
    );
    assert_eq!(session.account.role, Role::GlobalAdmin);
    assert_eq!(
        session.user.email, "joana@padaria.com.br",
        "e-mail normalised"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_reports_every_invalid_field() {
    let app = spawn_app().await;
    let reply = app
        .browser()
        .call(
            "sign_up",
            &[
                ("company_name", " "),
                ("slug", "Bad Slug!"),
                ("name", "Ana"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    let error = reply.error();
    assert_eq!(error.field_code("company_name"), Some(ErrorCode::Required));
    assert_eq!(error.field_code("slug"), Some(ErrorCode::SlugInvalid));
    assert_eq!(error.field_code("email"), Some(ErrorCode::EmailInvalid));
    assert_eq!(
        error.field_code("password"),
        Some(ErrorCode::PasswordTooShort)
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert_eq!(users, 0, "nothing is stored when validation fails");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_refuses_a_taken_slug_or_email() {
    let app = spawn_app().await;
    app.sign_up("Loja Um", "loja", "dona@loja.com").await;
    let taken_slug = app
        .browser()
        .call(
            "sign_up",
            &[
                ("company_name", "Outra"),
                ("slug", "loja"),
                ("name", "B"),
                ("email", "b@outra.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        taken_slug.error().field_code("slug"),
        Some(ErrorCode::SlugTaken)
    );
    let taken_email = app
        .browser()
        .call(
            "sign_up",
            &[
                ("company_name", "Outra"),
                ("slug", "outra"),
                ("name", "B"),
                ("email", "DONA@loja.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        taken_email.error().field_code("email"),
        Some(ErrorCode::EmailTaken)
    );
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(&app.database.owner)
        .await
        .unwrap();
    assert_eq!(accounts, 1, "a failed sign-up leaves no half-made account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_the_right_password_starts_a_session_and_is_audited() {
    let app = spawn_app().await;
    app.demo_account().await;
    let browser = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let session = browser.session().await.expect("signed in");
    assert_eq!(session.user.email, "admin@demo.ponte.dev");
    assert_eq!(session.account.slug, "demo");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'sign_in' AND actor_user_id = $1",
    )
    .bind(session.user.id)
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_without_a_session_and_audited() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let browser = app.browser();
    let reply = browser
        .call(
            "sign_in",
            &[
                ("email", "admin@demo.ponte.dev"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), AppError::InvalidCredentials);
    assert!(reply.headers.get("set-cookie").is_none());
    assert!(browser.session().await.is_none());
    let failures: Vec<(Option<uuid::Uuid>, String)> = sqlx::query_as(
        "SELECT account_id, details->>'email' FROM audit_log WHERE action = 'sign_in_failed'",
    )
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(
        failures,
        vec![(Some(demo.account_id), "admin@demo.ponte.dev".to_string())]
    );

    // An unknown e-mail gets the same answer, recorded on the platform chain.
    let unknown = browser
        .call(
            "sign_in",
            &[("email", "nobody@nowhere.io"), ("password", "whatever123")],
        )
        .await;
    assert_eq!(unknown.error(), AppError::InvalidCredentials);
    let platform: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE account_id IS NULL AND action = 'sign_in_failed'",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(platform, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_per_ip() {
    let app = spawn_app().await;
    app.demo_account().await;
    let attacker = app.browser_from("203.0.113.7");
    for n in 0..30 {
        let email = format!("guess{n}@demo.ponte.dev");
        let reply = attacker
            .call(
                "sign_in",
                &[("email", &email), ("password", "password-guess")],
            )
            .await;
        assert_eq!(reply.status, 401);
    }
    let blocked = attacker
        .call(
            "sign_in",
            &[
                ("email", "admin@demo.ponte.dev"),
                ("password", "ponte-demo-2026"),
            ],
        )
        .await;
    assert_eq!(blocked.status, 429);
    let elsewhere = app
        .browser_from("198.51.100.1")
        .call(
            "sign_in",
            &[
                ("email", "admin@demo.ponte.dev"),
                ("password", "ponte-demo-2026"),
            ],
        )
        .await;
    assert_eq!(elsewhere.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    app.sign_up("Loja", "loja", "dona@loja.com").await;
    // Sign in by hand, keeping the raw cookie, to replay it after sign-out.
    let client = app.plain_client();
    let signed_in = client
        .post(format!("{}/api/sign_in", app.base_url))
        .header("origin", &app.base_url)
        .form(&[("email", "dona@loja.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set_cookie = signed_in
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let session_with = |cookie: String| {
        let client = client.clone();
        let url = format!("{}/api/get_session_info", app.base_url);
        let origin = app.base_url.clone();
        async move {
            let reply = client
                .post(url)
                .header("origin", origin)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            reply.text().await.unwrap()
        }
    };
    assert!(session_with(cookie.clone()).await.contains("dona@loja.com"));

    let signed_out = client
        .post(format!("{}/api/sign_out", app.base_url))
        .header("origin", &app.base_url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 200);
    let cleared = signed_out
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(
        session_with(cookie).await,
        "null",
        "the old token is dead even if someone kept it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_member_ends_their_sessions_at_once() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let agent = app
        .signed_in("agent@demo.ponte.dev", "ponte-demo-2026")
        .await;
    assert!(agent.session().await.is_some());
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let agent_id = demo.users[2].1.to_string();
    let reply = admin
        .call(
            "set_member_active",
            &[("user_id", &agent_id), ("active", "false")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(agent.session().await.is_none(), "the agent is signed out");
    // …and stops working at once: their work session ends now, not when
    // the sweeper misses their heartbeats.
    let ended: Vec<Option<String>> =
        sqlx::query_scalar("SELECT end_reason FROM work_sessions WHERE user_id = $1")
            .bind(demo.users[2].1)
            .fetch_all(&app.database.owner)
            .await
            .unwrap();
    assert_eq!(ended, [Some("revoked".to_string())]);
    let again = app
        .browser_from("10.9.9.9")
        .call(
            "sign_in",
            &[
                ("email", "agent@demo.ponte.dev"),
                ("password", "ponte-demo-2026"),
            ],
        )
        .await;
    assert_eq!(again.status, 401);
    assert_eq!(again.error(), AppError::Deactivated);

    let reactivated = admin
        .call(
            "set_member_active",
            &[("user_id", &agent_id), ("active", "true")],
        )
        .await;
    assert_eq!(reactivated.status, 200);
    app.signed_in("agent@demo.ponte.dev", "ponte-demo-2026")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_global_admin_cannot_be_demoted_or_deactivated() {
    let app = spawn_app().await;
    let admin = app.sign_up("Loja", "loja", "dona@loja.com").await;
    let me = admin.session().await.unwrap().user.id.to_string();
    let demote = admin
        .call("change_member_role", &[("user_id", &me), ("role", "agent")])
        .await;
    assert_eq!(demote.status, 409);
    assert_eq!(
        demote.error(),
        AppError::Conflict {
            reason: ConflictReason::LastAdmin
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_cannot_manage_users() {
    let app = spawn_app().await;
    let demo = app.demo_account().await;
    let agent = app
        .signed_in("agent@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let supervisor_id = demo.users[1].1.to_string();
    let reply = agent
        .call(
            "change_member_role",
            &[("user_id", &supervisor_id), ("role", "agent")],
        )
        .await;
    assert_eq!(reply.status, 403);
    let invite = agent
        .call(
            "invite_user",
            &[("email", "x@y.com"), ("role", "global_admin")],
        )
        .await;
    assert_eq!(invite.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_signs_out_other_sessions_but_not_this_one() {
    let app = spawn_app().await;
    app.demo_account().await;
    let laptop = app
        .signed_in("supervisor@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let phone = app
        .signed_in("supervisor@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let wrong = laptop
        .call(
            "change_password",
            &[
                ("current_password", "not it at all"),
                ("new_password", "a brand new secret"),
                ("confirm_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(
        wrong.error().field_code("current_password"),
        Some(ErrorCode::PasswordWrong)
    );
    let mismatch = laptop
        .call(
            "change_password",
            &[
                ("current_password", "ponte-demo-2026"),
                ("new_password", "a brand new secret"),
                ("confirm_password", "different"),
            ],
        )
        .await;
    assert_eq!(
        mismatch.error().field_code("confirm_password"),
        Some(ErrorCode::PasswordMismatch)
    );

    let ok = laptop
        .call(
            "change_password",
            &[
                ("current_password", "ponte-demo-2026"),
                ("new_password", "a brand new secret"),
                ("confirm_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json::<u64>(), 1, "one other session ended");
    assert!(laptop.session().await.is_some());
    assert!(phone.session().await.is_none());
    app.signed_in("supervisor@demo.ponte.dev", "a brand new secret")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_link_adds_a_new_person_once() {
    let app = spawn_app().await;
    app.demo_account().await;
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let created = admin
        .call(
            "invite_user",
            &[("email", "Nova@Demo.ponte.dev"), ("role", "supervisor")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let link: shared::accounts::InvitationLink = created.json();
    assert_eq!(link.email, "nova@demo.ponte.dev");
    assert!(link.url.starts_with(&format!("{}/invite/", app.base_url)));
    let token = link.url.rsplit('/').next().unwrap().to_string();

    let newcomer = app.browser_from("10.2.0.1");
    let preview = newcomer
        .call("preview_invitation", &[("token", &token)])
        .await;
    let preview: shared::accounts::InvitationPreview = preview.json();
    assert_eq!(
        (
            preview.account_name.as_str(),
            preview.role,
            preview.existing_user
        ),
        ("Demo", Role::Supervisor, false)
    );

    let short = newcomer
        .call(
            "accept_invitation",
            &[("token", &token), ("name", "Nova"), ("password", "short")],
        )
        .await;
    assert_eq!(
        short.error().field_code("password"),
        Some(ErrorCode::PasswordTooShort)
    );
    let accepted = newcomer
        .call(
            "accept_invitation",
            &[
                ("token", &token),
                ("name", "Nova Pessoa"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let session = newcomer.session().await.expect("signed in");
    assert_eq!(
        (session.user.name.as_str(), session.account.role),
        ("Nova Pessoa", Role::Supervisor)
    );

    let reused = app
        .browser_from("10.2.0.2")
        .call(
            "accept_invitation",
            &[("token", &token), ("name", "Eve"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reused.status, 410);
    assert_eq!(reused.error(), AppError::LinkExpired);
}

/// The attack from the hardening issue: sign up, invite someone who has a
/// login, and guess their password through the invitation link. The link
/// never checks a password, so it answers the same whatever is guessed —
/// the right password included — and signs nobody in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_link_is_not_a_password_oracle() {
    let app = spawn_app().await;
    app.demo_account().await;
    let attacker = app.sign_up("Golpe Ltda", "golpe", "eve@golpe.com").await;
    let link: shared::accounts::InvitationLink = attacker
        .call(
            "invite_user",
            &[("email", "supervisor@demo.ponte.dev"), ("role", "agent")],
        )
        .await
        .json();
    let token = link.url.rsplit('/').next().unwrap().to_string();
    let guesser = app.browser_from("10.66.0.1");
    for guess in ["123456", "password1", "ponte-demo-2026"] {
        let reply = guesser
            .call(
                "accept_invitation",
                &[("token", &token), ("password", guess)],
            )
            .await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert_eq!(
            reply.error(),
            AppError::Conflict {
                reason: ConflictReason::SignInToAccept
            },
            "the same answer for every guess"
        );
        assert!(guesser.session().await.is_none(), "nobody is signed in");
    }
    let memberships: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.slug = 'golpe'",
    )
    .fetch_one(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(
        memberships, 1,
        "the victim was not added to the attacker's account"
    );
    // Positive control: the invitation itself is fine — the invited person,
    // signed in the normal way, joins with it.
    let victim = app
        .signed_in("supervisor@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let joined = victim.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(victim.session().await.unwrap().account.slug, "golpe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_with_a_login_joins_another_account_by_signing_in() {
    let app = spawn_app().await;
    app.demo_account().await;
    let other = app.sign_up("Outra Loja", "outra", "dona@outra.com").await;
    let link: shared::accounts::InvitationLink = other
        .call(
            "invite_user",
            &[("email", "agent@demo.ponte.dev"), ("role", "agent")],
        )
        .await
        .json();
    let token = link.url.rsplit('/').next().unwrap().to_string();

    // Signed in as someone else, the invitation is refused.
    let admin = app
        .signed_in("admin@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let preview: shared::accounts::InvitationPreview = admin
        .call("preview_invitation", &[("token", &token)])
        .await
        .json();
    assert_eq!(
        preview.signed_in_as.as_deref(),
        Some("admin@demo.ponte.dev")
    );
    let refused = admin.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(
        refused.error(),
        AppError::Conflict {
            reason: ConflictReason::InvitationForAnotherUser
        }
    );

    let agent = app
        .signed_in("agent@demo.ponte.dev", "ponte-demo-2026")
        .await;
    let preview: shared::accounts::InvitationPreview = agent
        .call("preview_invitation", &[("token", &token)])
        .await
        .json();
    assert!(preview.existing_user);
    assert_eq!(
        preview.signed_in_as.as_deref(),
        Some("agent@demo.ponte.dev")
    );
    let joined = agent.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    let session = agent.session().await.unwrap();
    assert_eq!(session.account.slug, "outra");
    let slugs: Vec<&str> = session.accounts.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(
        slugs,
        vec!["demo", "outra"],
        "the switcher lists both accounts"
    );

    let demo_id = session
        .accounts
        .iter()
        .find(|a| a.slug == "demo")
        .unwrap()
        .id
        .to_string();
    assert_eq!(
        agent
            .call("switch_account", &[("account_id", &demo_id)])
            .await
            .status,
        200
    );
    assert_eq!(agent.session().await.unwrap().account.slug, "demo");
    // Switching into an account one does not belong to is refused.
    let foreign = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        agent
            .call("switch_account", &[("account_id", &foreign)])
            .await
            .status,
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_thirty_days_after_sign_in_however_active() {
    let app = spawn_app().await;
    app.demo_account().await;
    let browser = app
        .signed_in("agent@demo.ponte.dev", "ponte-demo-2026")
        .await;
    assert!(browser.session().await.is_some());
    // Active yesterday, but signed in 29 days ago: still fine.
    sqlx::query("UPDATE sessions SET created_at = now() - interval '29 days'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    assert!(browser.session().await.is_some());
    sqlx::query("UPDATE sessions SET created_at = now() - interval '31 days'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    assert!(
        browser.session().await.is_none(),
        "the sliding expiry never outlives the absolute one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewing_and_revoking_invitations_are_audited_and_old_links_die() {
    let app = spawn_app().await;
    let admin = app.sign_up("Loja", "loja", "dona@loja.com").await;
    let first: shared::accounts::InvitationLink = admin
        .call(
            "invite_user",
            &[("email", "nova@loja.com"), ("role", "agent")],
        )
        .await
        .json();
    let renewed: shared::accounts::InvitationLink = admin
        .call(
            "renew_invitation",
            &[("invitation_id", &first.invitation_id.to_string())],
        )
        .await
        .json();
    assert_ne!(renewed.url, first.url);
    let old_token = first.url.rsplit('/').next().unwrap().to_string();
    let new_token = renewed.url.rsplit('/').next().unwrap().to_string();
    let stranger = app.browser_from("10.9.0.1");
    assert_eq!(
        stranger
            .call("preview_invitation", &[("token", &old_token)])
            .await
            .status,
        410,
        "the old link stops working"
    );
    assert_eq!(
        stranger
            .call("preview_invitation", &[("token", &new_token)])
            .await
            .status,
        200
    );
    let revoked = admin
        .call(
            "revoke_invitation",
            &[("invitation_id", &first.invitation_id.to_string())],
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(
        stranger
            .call("preview_invitation", &[("token", &new_token)])
            .await
            .status,
        410
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type = 'invitation' ORDER BY seq",
    )
    .fetch_all(&app.database.owner)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["user_invited", "invitation_renewed", "invitation_revoked"]
    );
    let pending: Vec<shared::accounts::PendingInvitation> =
        admin.call("list_invitations", &[]).await.json();
    assert!(pending.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_is_served_without_the_wasm_and_other_pages_with_it() {
    let app = spawn_app().await;
    let browser = app.browser();
    let login = browser.get("/login").await;
    assert_eq!(login.status, 200);
    assert!(
        login.body.contains("action=\"/api/sign_in\""),
        "a plain form"
    );
    assert!(
        login.body.contains("save_display_preferences"),
        "the inline script for the switchers"
    );
    let site_files = |body: &str| body.matches("/pkg/ponte").count();
    assert_eq!(
        site_files(&login.body),
        1,
        "the stylesheet only: {}",
        login.body
    );
    assert!(login.body.contains("ponte.css"), "the stylesheet");
    // Positive control: the sign-up page loads the app (its JS and wasm).
    let signup = browser.get("/signup").await;
    assert_eq!(signup.status, 200);
    assert!(site_files(&signup.body) >= 3, "{}", signup.body);
    assert!(!signup.body.contains("save_display_preferences"));
}
