//! A signed-in browser session, as the app's own pages talk to the server.

use anyhow::{bail, Context};
use serde_json::Value;
use std::time::{Duration, Instant};

pub struct Session {
    pub http: reqwest::Client,
    pub url: String,
    pub cookie: String,
}

/// A distinct client address for the `index`-th simulated person, sent as
/// `X-Forwarded-For` (the bench server trusts one proxy): a thousand agents
/// come from many networks, not one, as the per-network caps expect.
pub fn network_of(index: usize) -> String {
    format!(
        "10.{}.{}.{}",
        (index >> 16) & 255,
        (index >> 8) & 255,
        index & 255
    )
}

impl Session {
    pub async fn sign_in(url: &str, email: &str, password: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let response = http
            .post(format!("{url}/api/sign_in"))
            .header("origin", url)
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .context("signing in")?;
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .context("no session cookie: wrong e-mail or password?")?
            .to_string();
        Ok(Self {
            http,
            url: url.to_string(),
            cookie,
        })
    }

    /// Calls a JSON server function and returns (milliseconds, body).
    pub async fn call(&self, endpoint: &str, body: &Value) -> anyhow::Result<(f64, Value)> {
        self.timed(endpoint, self.server_fn(endpoint).json(body))
            .await
    }

    /// Calls a form-encoded server function and returns (milliseconds, body).
    pub async fn call_form(
        &self,
        endpoint: &str,
        form: &[(&str, String)],
    ) -> anyhow::Result<(f64, Value)> {
        self.timed(endpoint, self.server_fn(endpoint).form(form))
            .await
    }

    fn server_fn(&self, endpoint: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/{endpoint}", self.url))
            .header("origin", &self.url)
            .header("cookie", &self.cookie)
    }

    async fn timed(
        &self,
        endpoint: &str,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<(f64, Value)> {
        let started = Instant::now();
        let response = request.send().await?;
        let status = response.status();
        let value: Value = response.json().await?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            bail!("{endpoint} answered {status}: {value}");
        }
        Ok((ms, value))
    }
}

/// A website visitor of one channel, writing as a customer does.
pub struct Visitor {
    pub channel: String,
    pub token: String,
    pub network: String,
}

impl Visitor {
    pub async fn start(
        http: &reqwest::Client,
        url: &str,
        channel: &str,
        network: String,
    ) -> anyhow::Result<Self> {
        let session: Value = http
            .post(format!("{url}/widget/{channel}/session"))
            .header("origin", url)
            .header("x-forwarded-for", &network)
            .json(&serde_json::json!({}))
            .send()
            .await?
            .error_for_status()
            .context("starting a widget session")?
            .json()
            .await?;
        let token = session["visitor"]
            .as_str()
            .context("no visitor token")?
            .to_string();
        Ok(Self {
            channel: channel.to_string(),
            token,
            network,
        })
    }

    /// Sends a customer message; an error unless the server accepted it.
    pub async fn send(&self, http: &reqwest::Client, url: &str, body: &str) -> anyhow::Result<()> {
        let response = http
            .post(format!("{url}/widget/{}/messages", self.channel))
            .header("origin", url)
            .header("x-forwarded-for", &self.network)
            .json(&serde_json::json!({ "visitor": self.token, "body": body }))
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            let answer = response.text().await.unwrap_or_default();
            bail!("a customer message was refused: {status} {answer}");
        }
        Ok(())
    }
}
