//! Each provider's connection configuration: read from what the API and the
//! settings page send (field by field, with errors named after the field),
//! split into settings shown in clear and secrets sealed at rest, and
//! masked on the way out.

use anyhow::Context;
use serde_json::{json, Map, Value};
use shared::inbox::ChannelKind;
use shared::{ErrorCode, FieldErrors};

use super::{api_channel, email, meta, twilio, whatsapp_cloud, zapi};
use crate::error::{Error, Result};
use crate::secrets::random_token;

/// A provider's configuration, split into what may be shown and what is
/// sealed.
#[derive(Clone, Debug, PartialEq)]
pub enum ProviderConfig {
    WhatsappCloud {
        settings: whatsapp_cloud::Settings,
        secrets: whatsapp_cloud::Secrets,
    },
    Twilio {
        settings: twilio::Settings,
        secrets: twilio::Secrets,
    },
    Zapi {
        settings: zapi::Settings,
        secrets: zapi::Secrets,
    },
    /// Messenger or Instagram (`kind` says which): one Meta page API.
    Meta {
        kind: ChannelKind,
        settings: meta::Settings,
        secrets: meta::Secrets,
    },
    Api {
        settings: api_channel::Settings,
        secrets: api_channel::Secrets,
    },
    Email {
        settings: email::Settings,
        secrets: email::Secrets,
    },
}

#[derive(Clone, Copy)]
enum Rule {
    Optional,
    Required,
    Digits,
    OptionalDigits,
    BaseUrl,
    WebhookUrl,
}

/// Reads one config object, collecting every field's problem.
struct Reader<'a> {
    input: &'a Map<String, Value>,
    errors: FieldErrors,
}

impl Reader<'_> {
    /// The field's new value, or `previous` when it is left out.
    fn read(&mut self, key: &str, previous: String, rule: Rule) -> String {
        let value = match self.input.get(key) {
            None | Some(Value::Null) => previous,
            Some(Value::String(text)) => text.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                self.errors.add(key, ErrorCode::InvalidValue);
                return String::new();
            }
        };
        let problem = match rule {
            _ if value.chars().count() > 1000 => Some(ErrorCode::TooLong),
            Rule::Required | Rule::Digits | Rule::WebhookUrl if value.is_empty() => {
                Some(ErrorCode::Required)
            }
            Rule::Digits | Rule::OptionalDigits if !value.chars().all(|c| c.is_ascii_digit()) => {
                Some(ErrorCode::NumberInvalid)
            }
            Rule::BaseUrl | Rule::WebhookUrl if !value.is_empty() && !is_http_url(&value) => {
                Some(ErrorCode::UrlInvalid)
            }
            _ => None,
        };
        if let Some(code) = problem {
            self.errors.add(key, code);
        }
        value
    }
}

fn is_http_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.username().is_empty()
            && url.password().is_none()
    })
}

/// A secret Ponte makes up itself, kept across edits.
fn generated(previous: String) -> String {
    if previous.is_empty() {
        random_token()
    } else {
        previous
    }
}

impl ProviderConfig {
    pub fn kind(&self) -> ChannelKind {
        match self {
            Self::WhatsappCloud { .. } => ChannelKind::WhatsappCloud,
            Self::Twilio { .. } => ChannelKind::TwilioWhatsapp,
            Self::Zapi { .. } => ChannelKind::Zapi,
            Self::Meta { kind, .. } => *kind,
            Self::Api { .. } => ChannelKind::Api,
            Self::Email { .. } => ChannelKind::Email,
        }
    }

    /// Reads a config object; keys left out keep their `previous` value (so
    /// secrets need not be retyped).
    pub fn from_input(
        kind: ChannelKind,
        input: &Value,
        previous: Option<&ProviderConfig>,
    ) -> Result<Self> {
        let empty = Map::new();
        let input = match input {
            Value::Object(map) => map,
            Value::Null => &empty,
            _ => return Err(Error::field("config", ErrorCode::InvalidValue)),
        };
        let mut r = Reader {
            input,
            errors: FieldErrors::new(),
        };
        use Rule::*;
        let config = match (kind, previous.cloned()) {
            (ChannelKind::WhatsappCloud, previous) => {
                let (s, k) = match previous {
                    Some(Self::WhatsappCloud { settings, secrets }) => (settings, secrets),
                    _ => Default::default(),
                };
                Self::WhatsappCloud {
                    settings: whatsapp_cloud::Settings {
                        phone_number_id: r.read("phone_number_id", s.phone_number_id, Digits),
                        waba_id: r.read("waba_id", s.waba_id, OptionalDigits),
                        api_base_url: r.read("api_base_url", s.api_base_url, BaseUrl),
                        messages_per_second: r.read(
                            "messages_per_second",
                            s.messages_per_second,
                            OptionalDigits,
                        ),
                    },
                    secrets: whatsapp_cloud::Secrets {
                        access_token: r.read("access_token", k.access_token, Required),
                        app_secret: r.read("app_secret", k.app_secret, Required),
                        verify_token: r.read("verify_token", k.verify_token, Required),
                    },
                }
            }
            (ChannelKind::TwilioWhatsapp, previous) => {
                let (s, k) = match previous {
                    Some(Self::Twilio { settings, secrets }) => (settings, secrets),
                    _ => Default::default(),
                };
                let from = r.read("from", s.from, Required);
                if !from.is_empty()
                    && shared::phone::PhoneNumber::parse(&from, Default::default()).is_err()
                {
                    r.errors.add("from", ErrorCode::PhoneInvalid);
                }
                Self::Twilio {
                    settings: twilio::Settings {
                        account_sid: r.read("account_sid", s.account_sid, Required),
                        from: from.trim_start_matches("whatsapp:").to_string(),
                        api_base_url: r.read("api_base_url", s.api_base_url, BaseUrl),
                    },
                    secrets: twilio::Secrets {
                        auth_token: r.read("auth_token", k.auth_token, Required),
                    },
                }
            }
            (ChannelKind::Zapi, previous) => {
                let (s, k) = match previous {
                    Some(Self::Zapi { settings, secrets }) => (settings, secrets),
                    _ => Default::default(),
                };
                Self::Zapi {
                    settings: zapi::Settings {
                        instance_id: r.read("instance_id", s.instance_id, Required),
                        api_base_url: r.read("api_base_url", s.api_base_url, BaseUrl),
                    },
                    secrets: zapi::Secrets {
                        token: r.read("token", k.token, Required),
                        client_token: r.read("client_token", k.client_token, Required),
                        webhook_secret: generated(k.webhook_secret),
                    },
                }
            }
            (ChannelKind::Messenger | ChannelKind::Instagram, previous) => {
                let (s, k) = match previous {
                    Some(Self::Meta {
                        settings, secrets, ..
                    }) => (settings, secrets),
                    _ => Default::default(),
                };
                Self::Meta {
                    kind,
                    settings: meta::Settings {
                        page_id: r.read("page_id", s.page_id, Digits),
                        api_base_url: r.read("api_base_url", s.api_base_url, BaseUrl),
                    },
                    secrets: meta::Secrets {
                        page_access_token: r.read(
                            "page_access_token",
                            k.page_access_token,
                            Required,
                        ),
                        app_secret: r.read("app_secret", k.app_secret, Required),
                        verify_token: r.read("verify_token", k.verify_token, Required),
                    },
                }
            }
            (ChannelKind::Api, previous) => {
                let (s, k) = match previous {
                    Some(Self::Api { settings, secrets }) => (settings, secrets),
                    _ => Default::default(),
                };
                Self::Api {
                    settings: api_channel::Settings {
                        webhook_url: r.read("webhook_url", s.webhook_url, WebhookUrl),
                    },
                    secrets: api_channel::Secrets {
                        token: generated(k.token),
                        signing_secret: generated(k.signing_secret),
                    },
                }
            }
            (ChannelKind::Email, previous) => {
                let (s, k) = match previous {
                    Some(Self::Email { settings, secrets }) => (settings, secrets),
                    _ => Default::default(),
                };
                let settings = email::Settings {
                    address: r.read("address", s.address, Required).to_lowercase(),
                    from_name: r.read("from_name", s.from_name, Optional),
                    imap_host: r.read("imap_host", s.imap_host, Optional),
                    imap_port: r.read("imap_port", s.imap_port, OptionalDigits),
                    imap_security: r.read("imap_security", s.imap_security, Optional),
                    imap_username: r.read("imap_username", s.imap_username, Optional),
                    imap_folder: r.read("imap_folder", s.imap_folder, Optional),
                    smtp_host: r.read("smtp_host", s.smtp_host, Optional),
                    smtp_port: r.read("smtp_port", s.smtp_port, OptionalDigits),
                    smtp_security: r.read("smtp_security", s.smtp_security, Optional),
                    smtp_username: r.read("smtp_username", s.smtp_username, Optional),
                };
                let secrets = email::Secrets {
                    imap_password: r.read("imap_password", k.imap_password, Optional),
                    smtp_password: r.read("smtp_password", k.smtp_password, Optional),
                    inbound_secret: generated(k.inbound_secret),
                };
                if !settings.address.is_empty()
                    && shared::values::EmailAddress::parse(&settings.address).is_err()
                {
                    r.errors.add("address", ErrorCode::EmailInvalid);
                }
                let problems = [
                    settings.imap(&secrets).and_then(|i| i.err()),
                    settings.smtp(&secrets).and_then(|s| s.err()),
                ];
                for (field, code) in problems.into_iter().flatten() {
                    if !r.errors.has(field) {
                        r.errors.add(field, code);
                    }
                }
                Self::Email { settings, secrets }
            }
            (ChannelKind::Website, _) => {
                return Err(Error::field("type", ErrorCode::OptionInvalid))
            }
        };
        r.errors.into_result()?;
        Ok(config)
    }

    pub(crate) fn settings_json(&self) -> anyhow::Result<Value> {
        match self {
            Self::WhatsappCloud { settings, .. } => serde_json::to_value(settings),
            Self::Twilio { settings, .. } => serde_json::to_value(settings),
            Self::Zapi { settings, .. } => serde_json::to_value(settings),
            Self::Meta { settings, .. } => serde_json::to_value(settings),
            Self::Api { settings, .. } => serde_json::to_value(settings),
            Self::Email { settings, .. } => serde_json::to_value(settings),
        }
        .context("encoding settings")
    }

    pub(crate) fn secrets_json(&self) -> anyhow::Result<Vec<u8>> {
        match self {
            Self::WhatsappCloud { secrets, .. } => serde_json::to_vec(secrets),
            Self::Twilio { secrets, .. } => serde_json::to_vec(secrets),
            Self::Zapi { secrets, .. } => serde_json::to_vec(secrets),
            Self::Meta { secrets, .. } => serde_json::to_vec(secrets),
            Self::Api { secrets, .. } => serde_json::to_vec(secrets),
            Self::Email { secrets, .. } => serde_json::to_vec(secrets),
        }
        .context("encoding secrets")
    }

    pub(crate) fn from_stored(
        kind: ChannelKind,
        settings: Value,
        secrets: &[u8],
    ) -> anyhow::Result<Self> {
        fn both<S: serde::de::DeserializeOwned, K: serde::de::DeserializeOwned>(
            settings: Value,
            secrets: &[u8],
        ) -> anyhow::Result<(S, K)> {
            Ok((
                serde_json::from_value(settings).context("reading settings")?,
                serde_json::from_slice(secrets).context("reading secrets")?,
            ))
        }
        Ok(match kind {
            ChannelKind::WhatsappCloud => {
                let (settings, secrets) = both(settings, secrets)?;
                Self::WhatsappCloud { settings, secrets }
            }
            ChannelKind::TwilioWhatsapp => {
                let (settings, secrets) = both(settings, secrets)?;
                Self::Twilio { settings, secrets }
            }
            ChannelKind::Zapi => {
                let (settings, secrets) = both(settings, secrets)?;
                Self::Zapi { settings, secrets }
            }
            ChannelKind::Messenger | ChannelKind::Instagram => {
                let (settings, secrets) = both(settings, secrets)?;
                Self::Meta {
                    kind,
                    settings,
                    secrets,
                }
            }
            ChannelKind::Api => {
                let (settings, secrets) = both(settings, secrets)?;
                Self::Api { settings, secrets }
            }
            ChannelKind::Email => {
                let (settings, secrets) = both(settings, secrets)?;
                Self::Email { settings, secrets }
            }
            ChannelKind::Website => anyhow::bail!("website channels are not provider connections"),
        })
    }

    /// The config as the API shows it: every secret replaced by a mask
    /// that says only whether it is set.
    pub fn masked(&self) -> Value {
        let mask = |secret: &str| {
            if secret.is_empty() {
                ""
            } else {
                "••••••••"
            }
        };
        let mut shown = self.settings_json().unwrap_or_else(|_| json!({}));
        let secrets: Vec<(&str, &str)> = match self {
            Self::WhatsappCloud { secrets, .. } => vec![
                ("access_token", &secrets.access_token),
                ("app_secret", &secrets.app_secret),
                ("verify_token", &secrets.verify_token),
            ],
            Self::Twilio { secrets, .. } => vec![("auth_token", &secrets.auth_token)],
            Self::Zapi { secrets, .. } => vec![
                ("token", &secrets.token),
                ("client_token", &secrets.client_token),
            ],
            Self::Meta { secrets, .. } => vec![
                ("page_access_token", &secrets.page_access_token),
                ("app_secret", &secrets.app_secret),
                ("verify_token", &secrets.verify_token),
            ],
            Self::Api { secrets, .. } => vec![
                ("token", &secrets.token),
                ("signing_secret", &secrets.signing_secret),
            ],
            Self::Email { secrets, .. } => vec![
                ("imap_password", &secrets.imap_password),
                ("smtp_password", &secrets.smtp_password),
            ],
        };
        if let Value::Object(map) = &mut shown {
            for (key, secret) in secrets {
                map.insert(key.to_string(), json!(mask(secret)));
            }
        }
        shown
    }

    /// How many sends a second this connection allows.
    pub fn messages_per_second(&self) -> u32 {
        match self {
            Self::WhatsappCloud { settings, .. } => settings
                .messages_per_second
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or(whatsapp_cloud::DEFAULT_MESSAGES_PER_SECOND),
            // Twilio queues per sender, Z-API per phone, Meta's page API has
            // its own limits: a steady pace that none of them refuses.
            Self::Twilio { .. } | Self::Zapi { .. } | Self::Meta { .. } => 20,
            Self::Api { .. } => 50,
            // Mail servers throttle senders that burst.
            Self::Email { .. } => 5,
        }
    }

    /// Where the provider must post, after the public URL. Z-API's carries
    /// the connection's secret (Z-API signs nothing).
    pub fn webhook_path(&self, id: i64) -> String {
        match self {
            Self::WhatsappCloud { .. } => format!("/webhooks/whatsapp/{id}"),
            Self::Twilio { .. } => format!("/webhooks/twilio/{id}"),
            Self::Zapi { secrets, .. } => {
                format!("/webhooks/zapi/{id}/{}", secrets.webhook_secret)
            }
            Self::Meta { .. } => format!("/webhooks/meta/{id}"),
            Self::Api { .. } => format!("/api/v1/channels/{id}/messages"),
            Self::Email { secrets, .. } => {
                format!("/webhooks/email/{id}/{}", secrets.inbound_secret)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(kind: ChannelKind, input: Value) -> Result<ProviderConfig> {
        ProviderConfig::from_input(kind, &input, None)
    }

    fn fields(result: Result<ProviderConfig>) -> Vec<(String, ErrorCode)> {
        let Err(Error::Validation(fields)) = result else {
            panic!("expected field errors")
        };
        fields.into_iter().map(|f| (f.field, f.code)).collect()
    }

    #[test]
    fn whatsapp_config_is_validated_field_by_field() {
        let problems = fields(read(
            ChannelKind::WhatsappCloud,
            json!({"phone_number_id": "12ab", "api_base_url": "ftp://x", "access_token": "t"}),
        ));
        assert!(problems.contains(&("phone_number_id".into(), ErrorCode::NumberInvalid)));
        assert!(problems.contains(&("api_base_url".into(), ErrorCode::UrlInvalid)));
        assert!(problems.contains(&("app_secret".into(), ErrorCode::Required)));
        assert!(!problems.iter().any(|(field, _)| field == "access_token"));
        let ok = read(
            ChannelKind::WhatsappCloud,
            json!({"phone_number_id": "1234", "access_token": "t", "app_secret": "s", "verify_token": "v"}),
        )
        .unwrap();
        assert_eq!(ok.masked()["access_token"], "••••••••");
        assert_eq!(ok.masked()["phone_number_id"], "1234");
        assert!(!ok.masked().to_string().contains("\"t\""));
    }

    #[test]
    fn left_out_secrets_keep_their_value_and_generated_ones_stay() {
        let first = read(
            ChannelKind::Zapi,
            json!({"instance_id": "I1", "token": "t", "client_token": "c"}),
        )
        .unwrap();
        let ProviderConfig::Zapi {
            secrets: before, ..
        } = &first
        else {
            panic!()
        };
        assert_eq!(before.webhook_secret.len(), 43, "generated");
        let changed =
            ProviderConfig::from_input(ChannelKind::Zapi, &json!({"token": "new"}), Some(&first))
                .unwrap();
        let ProviderConfig::Zapi { settings, secrets } = &changed else {
            panic!()
        };
        assert_eq!(settings.instance_id, "I1");
        assert_eq!(
            (secrets.token.as_str(), secrets.client_token.as_str()),
            ("new", "c")
        );
        assert_eq!(secrets.webhook_secret, before.webhook_secret);
        assert!(changed.webhook_path(7).ends_with(&before.webhook_secret));
    }

    #[test]
    fn email_connections_check_address_hosts_and_passwords() {
        let problems = fields(read(
            ChannelKind::Email,
            json!({"address": "not-an-address", "imap_host": "imap.x.com", "smtp_host": "smtp.x.com",
                   "smtp_security": "none", "imap_port": "abc"}),
        ));
        assert!(problems.contains(&("address".into(), ErrorCode::EmailInvalid)));
        assert!(problems.contains(&("imap_port".into(), ErrorCode::NumberInvalid)));
        assert!(problems.contains(&("smtp_security".into(), ErrorCode::SmtpNeedsTls)));
        assert!(
            !problems.iter().any(|(f, _)| f == "imap_password"),
            "one problem per field: the port is reported first"
        );
        let ok = read(
            ChannelKind::Email,
            json!({"address": "Suporte@Loja.com.br", "imap_host": "imap.loja.com.br", "imap_password": "p"}),
        )
        .unwrap();
        let path = ok.webhook_path(3);
        assert!(
            path.starts_with("/webhooks/email/3/") && path.len() > 30,
            "{path}"
        );
        assert_eq!(ok.masked()["imap_password"], "••••••••");
        assert_eq!(ok.masked()["address"], "suporte@loja.com.br");
        assert!(!ok.masked().to_string().contains("inbound_secret"));
    }

    #[test]
    fn every_provider_names_its_missing_fields() {
        for (kind, required) in [
            (
                ChannelKind::TwilioWhatsapp,
                vec!["from", "account_sid", "auth_token"],
            ),
            (
                ChannelKind::Zapi,
                vec!["instance_id", "token", "client_token"],
            ),
            (
                ChannelKind::Messenger,
                vec!["page_id", "page_access_token", "app_secret", "verify_token"],
            ),
            (ChannelKind::Api, vec!["webhook_url"]),
        ] {
            let problems: Vec<String> = fields(read(kind, json!({})))
                .into_iter()
                .map(|(f, _)| f)
                .collect();
            assert_eq!(problems, required, "{kind}");
        }
        assert!(read(ChannelKind::Website, json!({})).is_err());
        let twilio = fields(read(
            ChannelKind::TwilioWhatsapp,
            json!({"account_sid": "AC1", "auth_token": "x", "from": "12"}),
        ));
        assert_eq!(twilio, vec![("from".to_string(), ErrorCode::PhoneInvalid)]);
    }
}
