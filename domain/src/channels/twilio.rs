//! WhatsApp through Twilio: form-encoded webhooks signed with
//! `X-Twilio-Signature`, and sending through the Messages API.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::hmac;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::inbox::{ContentType, DeliveryStatus};

use super::provider::{
    network_error, text_at, InboundItem, InboundMessage, MediaRef, OutgoingFile, SendError,
    StatusUpdate,
};
use super::whatsapp_cloud::canonical_wa_id;

pub const DEFAULT_API_BASE_URL: &str = "https://api.twilio.com";
/// Twilio attaches at most ten files to one message.
const MAX_MEDIA: usize = 10;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub account_sid: String,
    /// The sender: `+14155238886` (the `whatsapp:` prefix is added).
    pub from: String,
    pub api_base_url: String,
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Secrets {
    pub auth_token: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(***)")
    }
}

/// The form fields of a webhook body, in order.
pub fn form_fields(raw_body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw_body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Twilio's scheme: HMAC-SHA1 with the auth token over the full URL it
/// called followed by every POST field, sorted by name, as name + value;
/// base64. Compared in constant time.
pub fn signature_is_valid(
    auth_token: &str,
    url: &str,
    raw_body: &[u8],
    header: Option<&str>,
) -> bool {
    let (Some(header), false) = (header, auth_token.is_empty()) else {
        return false;
    };
    let Ok(signature) = STANDARD.decode(header.trim()) else {
        return false;
    };
    let mut fields = form_fields(raw_body);
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let mut signed = url.to_string();
    for (name, value) in &fields {
        signed.push_str(name);
        signed.push_str(value);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth_token.as_bytes());
    hmac::verify(&key, signed.as_bytes(), &signature).is_ok()
}

/// Signs like Twilio does (for tests and tools).
pub fn sign(auth_token: &str, url: &str, fields: &[(&str, &str)]) -> String {
    let mut sorted = fields.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut signed = url.to_string();
    for (name, value) in sorted {
        signed.push_str(name);
        signed.push_str(value);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth_token.as_bytes());
    STANDARD.encode(hmac::sign(&key, signed.as_bytes()).as_ref())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An inbound message or a status callback (both are form posts).
pub fn parse(raw_body: &[u8]) -> anyhow::Result<Vec<InboundItem>> {
    let fields = form_fields(raw_body);
    let sid = field(&fields, "MessageSid")
        .or_else(|| field(&fields, "SmsSid"))
        .ok_or_else(|| anyhow::anyhow!("a Twilio webhook without MessageSid"))?
        .to_string();
    if let Some(status) = field(&fields, "MessageStatus") {
        let status = match status {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "failed" | "undelivered" => DeliveryStatus::Failed,
            // queued, accepted, sending: nothing to show yet.
            _ => return Ok(vec![]),
        };
        let error = field(&fields, "ErrorCode").map(|code| {
            let text = field(&fields, "ErrorMessage").unwrap_or("undelivered");
            format!("{code}: {text}")
        });
        return Ok(vec![InboundItem::Status(StatusUpdate {
            external_id: sid,
            status,
            error,
        })]);
    }
    let address = field(&fields, "WaId")
        .or_else(|| field(&fields, "From").map(|f| f.trim_start_matches("whatsapp:")))
        .ok_or_else(|| anyhow::anyhow!("a Twilio message without a sender"))?;
    let from = canonical_wa_id(address);
    let message = InboundMessage {
        external_id: sid,
        phone: Some(format!("+{from}")),
        profile_name: field(&fields, "ProfileName").map(str::to_string),
        from,
        body: field(&fields, "Body").unwrap_or_default().to_string(),
        content_type: ContentType::Text,
        from_me: false,
        media: None,
        quoted_id: field(&fields, "OriginalRepliedMessageSid").map(str::to_string),
        email: None,
    };
    let files = attached_files(&fields);
    Ok(message
        .one_per_file(files)
        .into_iter()
        .map(InboundItem::Message)
        .collect())
}

/// `MediaUrl0` … `MediaUrl{NumMedia-1}`, each with its content type.
fn attached_files(fields: &[(String, String)]) -> Vec<(ContentType, MediaRef)> {
    (0..MAX_MEDIA)
        .map_while(|index| {
            let url = field(fields, &format!("MediaUrl{index}"))?;
            let mime_type = field(fields, &format!("MediaContentType{index}")).unwrap_or_default();
            let content_type = match mime_type.split('/').next() {
                Some("image") => ContentType::Image,
                Some("video") => ContentType::Video,
                Some("audio") => ContentType::Audio,
                _ => ContentType::File,
            };
            let media = MediaRef {
                url: Some(url.to_string()),
                mime_type: Some(mime_type.to_string()).filter(|m| !m.is_empty()),
                ..Default::default()
            };
            Some((content_type, media))
        })
        .collect()
}

fn base_url(settings: &Settings) -> &str {
    let base = settings.api_base_url.trim_end_matches('/');
    if base.is_empty() {
        DEFAULT_API_BASE_URL
    } else {
        base
    }
}

fn whatsapp_address(number: &str) -> String {
    format!("whatsapp:+{}", number.trim_start_matches('+'))
}

/// Sends a text, a file (by its public link), or both; Twilio reports its
/// progress to `status_callback`.
pub async fn send(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
    to: &str,
    body: &str,
    file: Option<&OutgoingFile>,
    status_callback: &str,
) -> Result<String, SendError> {
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        base_url(settings),
        settings.account_sid
    );
    let mut form = vec![
        ("From", whatsapp_address(&settings.from)),
        ("To", whatsapp_address(to)),
    ];
    if !body.is_empty() || file.is_none() {
        form.push(("Body", body.to_string()));
    }
    // Twilio fetches the file from our signed, expiring link.
    if let Some(file) = file {
        form.push(("MediaUrl", file.url.clone()));
    }
    form.push(("StatusCallback", status_callback.to_string()));
    let response = client
        .post(url)
        .basic_auth(&settings.account_sid, Some(&secrets.auth_token))
        .form(&form)
        .send()
        .await
        .map_err(network_error)?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return text_at(&answer, "/sid")
            .map(str::to_string)
            .ok_or_else(|| SendError::Retry("the answer carried no message sid".into()));
    }
    Err(api_error(status.as_u16(), &answer))
}

fn api_error(http_status: u16, answer: &Value) -> SendError {
    let code = answer
        .get("code")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let text = format!(
        "{code}: {}",
        text_at(answer, "/message").unwrap_or("no details")
    );
    match http_status {
        401 | 403 => SendError::Unauthorized(text),
        429 | 500.. => SendError::Retry(text),
        _ => SendError::Permanent(text),
    }
}

/// Reads the account: proves the SID and token work.
pub async fn test_connection(
    client: &reqwest::Client,
    settings: &Settings,
    secrets: &Secrets,
) -> Result<String, SendError> {
    let url = format!(
        "{}/2010-04-01/Accounts/{}.json",
        base_url(settings),
        settings.account_sid
    );
    let response = client
        .get(url)
        .basic_auth(&settings.account_sid, Some(&secrets.auth_token))
        .send()
        .await
        .map_err(network_error)?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(api_error(status.as_u16(), &answer));
    }
    Ok(format!(
        "{} · {}",
        text_at(&answer, "/friendly_name").unwrap_or_default(),
        text_at(&answer, "/status").unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_signatures_cover_the_url_and_sorted_fields() {
        // The example from Twilio's security documentation.
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let fields = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ];
        let signature = sign("12345", url, &fields);
        assert_eq!(signature, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        assert!(signature_is_valid(
            "12345",
            url,
            body.as_bytes(),
            Some(&signature)
        ));
        assert!(!signature_is_valid(
            "12345",
            "https://mycompany.com/other",
            body.as_bytes(),
            Some(&signature)
        ));
        assert!(!signature_is_valid(
            "wrong",
            url,
            body.as_bytes(),
            Some(&signature)
        ));
        assert!(!signature_is_valid(
            "12345",
            url,
            b"Digits=9999",
            Some(&signature)
        ));
        assert!(!signature_is_valid("12345", url, body.as_bytes(), None));
    }

    #[test]
    fn messages_and_statuses_are_read_from_the_form() {
        let message = b"MessageSid=SM1&From=whatsapp%3A%2B551187654321&WaId=551187654321&ProfileName=J%C3%BAlia&Body=Ol%C3%A1&NumMedia=0";
        let items = parse(message).unwrap();
        let InboundItem::Message(m) = &items[0] else {
            panic!()
        };
        assert_eq!(
            (m.external_id.as_str(), m.from.as_str()),
            ("SM1", "5511987654321")
        );
        assert_eq!(m.profile_name.as_deref(), Some("Júlia"));
        assert_eq!(m.body, "Olá");
        let failed = parse(
            b"MessageSid=SM2&MessageStatus=undelivered&ErrorCode=63016&ErrorMessage=Outside+window",
        )
        .unwrap();
        assert_eq!(
            failed,
            vec![InboundItem::Status(StatusUpdate {
                external_id: "SM2".into(),
                status: DeliveryStatus::Failed,
                error: Some("63016: Outside window".into()),
            })]
        );
        assert!(parse(b"MessageSid=SM3&MessageStatus=queued")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn every_attached_file_becomes_a_message_of_its_own() {
        let form = b"MessageSid=MM1&WaId=551187654321&Body=As+fotos&NumMedia=2\
&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm%2F0&MediaContentType0=image%2Fjpeg\
&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2Fm%2F1&MediaContentType1=application%2Fpdf";
        let items = parse(form).unwrap();
        let messages: Vec<_> = items
            .iter()
            .map(|item| match item {
                InboundItem::Message(m) => (
                    m.external_id.as_str(),
                    m.body.as_str(),
                    m.content_type,
                    m.media.as_ref().and_then(|media| media.url.as_deref()),
                ),
                _ => panic!("{item:?}"),
            })
            .collect();
        assert_eq!(
            messages,
            vec![
                (
                    "MM1",
                    "As fotos",
                    ContentType::Image,
                    Some("https://api.twilio.com/m/0")
                ),
                (
                    "MM1/1",
                    "",
                    ContentType::File,
                    Some("https://api.twilio.com/m/1")
                ),
            ]
        );
        let text = parse(b"MessageSid=SM9&WaId=551187654321&Body=Oi&NumMedia=0").unwrap();
        let InboundItem::Message(m) = &text[0] else {
            panic!()
        };
        assert_eq!(
            (text.len(), m.content_type, m.media.is_none()),
            (1, ContentType::Text, true)
        );
    }
}
