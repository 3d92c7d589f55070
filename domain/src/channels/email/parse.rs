//! One raw RFC 822 mail → what Ponte keeps of it: the sender, the new text
//! (quoted history split off), sanitized HTML, the threading ids and the
//! attachments; auto-replies open nothing, and a bounce of our own reply
//! marks that reply failed.

use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders};
use shared::inbox::{ContentType, DeliveryStatus};

use crate::channels::provider::{InboundItem, InboundMessage, StatusUpdate};
use crate::secrets::{hex, sha256};

/// What messages hold at most (the column's limit).
const MAX_BODY_CHARS: usize = 20_000;
/// Sanitized HTML kept per mail; longer markup is shown as text only.
const MAX_HTML_BYTES: usize = 200_000;
/// Threading ids kept from a mail's `References` (the newest ones).
const MAX_REFERENCES: usize = 20;

/// What an e-mail adds to a customer's message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmailDetails {
    pub subject: String,
    /// `In-Reply-To` first, then `References` newest first: the mails this
    /// one answers, to find its conversation.
    pub references: Vec<String>,
    pub html: Option<String>,
    /// The quoted history under the new text, collapsed in the inbox.
    pub quoted: Option<String>,
    pub attachments: Vec<EmailAttachment>,
}

/// A file in the mail, by its MIME part (fetched from the stored raw mail).
#[derive(Clone, Debug, PartialEq)]
pub struct EmailAttachment {
    pub part: u32,
    pub file_name: String,
    pub mime_type: String,
}

/// The items of one raw mail: a customer's message, a failed delivery of
/// ours, or nothing (auto-replies, mail without a sender).
pub fn parse(raw: &[u8]) -> anyhow::Result<Vec<InboundItem>> {
    let mail = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| anyhow::anyhow!("not an e-mail message"))?;
    if let Some(bounce) = bounce_of(&mail) {
        return Ok(bounce.into_iter().map(InboundItem::Status).collect());
    }
    if is_automatic(&mail) {
        return Ok(vec![]);
    }
    let Some(sender) = mail.from().and_then(|from| from.first()) else {
        return Ok(vec![]);
    };
    let Some(address) = sender.address().map(|a| a.trim().to_lowercase()) else {
        return Ok(vec![]);
    };
    if !address.contains('@') {
        return Ok(vec![]);
    }
    let external_id = match mail.message_id() {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        // No Message-ID (rare, broken senders): the content identifies it.
        _ => format!("sha256:{}", hex(&sha256(raw))),
    };
    let text = mail.body_text(0).unwrap_or_default();
    let (new_text, quoted) = split_quoted_text(&text);
    let html = mail
        .body_html(0)
        .filter(|_| {
            mail.html_body_count() > 0 && mail.html_part(0).is_some_and(|p| p.is_text_html())
        })
        .map(|html| sanitize(cut_quoted_html(&html)))
        .filter(|html| !html.trim().is_empty() && html.len() <= MAX_HTML_BYTES);
    let attachments = mail
        .attachments
        .iter()
        .filter_map(|&index| {
            let part = mail.part(index)?;
            // A text part without a file name is a body the sender's
            // program attached inline, already in the text.
            if part.is_text() && part.attachment_name().is_none() {
                return None;
            }
            Some(EmailAttachment {
                part: index,
                file_name: part
                    .attachment_name()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("attachment-{index}")),
                mime_type: part
                    .content_type()
                    .map(|ct| match &ct.c_subtype {
                        Some(sub) => format!("{}/{sub}", ct.c_type),
                        None => ct.c_type.to_string(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".into()),
            })
        })
        .collect();
    let details = EmailDetails {
        subject: mail.subject().unwrap_or_default().trim().to_string(),
        references: references_of(&mail),
        html,
        quoted: quoted.map(|q| truncate(&q, MAX_BODY_CHARS)),
        attachments,
    };
    Ok(vec![InboundItem::Message(InboundMessage {
        external_id,
        from: address,
        phone: None,
        profile_name: sender.name().map(|n| n.trim().to_string()),
        body: truncate(&new_text, MAX_BODY_CHARS),
        content_type: ContentType::Text,
        from_me: false,
        media: None,
        quoted_id: None,
        email: Some(Box::new(details)),
    })])
}

/// Whether a body is a mail at all (headers with a sender or a
/// Message-ID), before it is stored.
pub fn looks_like_mail(raw: &[u8]) -> bool {
    MessageParser::default()
        .parse_headers(raw)
        .is_some_and(|mail| mail.from().is_some() || mail.message_id().is_some())
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text.to_string(),
    }
}

fn texts(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(text) => vec![text.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => vec![],
    }
}

fn references_of(mail: &Message<'_>) -> Vec<String> {
    let mut ids = texts(mail.in_reply_to());
    ids.extend(texts(mail.references()).into_iter().rev());
    let mut unique: Vec<String> = Vec::new();
    for id in ids.into_iter().map(|id| id.trim().to_string()) {
        if !id.is_empty() && !unique.contains(&id) {
            unique.push(id);
        }
    }
    unique.truncate(MAX_REFERENCES);
    unique
}

/// Vacation replies and other machine-sent mail (RFC 3834, and the
/// headers Exchange and list servers use instead).
fn is_automatic(mail: &Message<'_>) -> bool {
    let header = |name: &str| mail.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    header("Auto-Submitted").is_some_and(|v| !v.is_empty() && v != "no")
        || header("X-Autoreply").is_some()
        || header("X-Autorespond").is_some()
        || header("X-Auto-Response-Suppress")
            .is_some_and(|v| v.contains("all") || v.contains("autoreply"))
            && header("X-MS-Exchange-Generated-Message-Source").is_some()
        || header("Precedence")
            .is_some_and(|v| matches!(v.as_str(), "auto_reply" | "bulk" | "junk"))
        || mail.is_content_type("multipart", "report")
}

/// A delivery report (RFC 3464) about one of our mails: that mail failed,
/// with the receiving server's words. `None` when the mail is not a report.
fn bounce_of(mail: &Message<'_>) -> Option<Vec<StatusUpdate>> {
    if !mail.is_content_type("multipart", "report") {
        return None;
    }
    let mut reason = None;
    let mut original = None;
    for part in &mail.parts {
        if part.is_content_type("message", "delivery-status") {
            let text = String::from_utf8_lossy(part.contents()).to_string();
            reason = text
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("diagnostic-code:"))
                .or_else(|| {
                    text.lines()
                        .find(|l| l.to_ascii_lowercase().starts_with("status:"))
                })
                .map(|l| l.split_once(':').map_or(l, |(_, v)| v).trim().to_string());
        } else if let Some(inner) = part.message() {
            original = original.or(inner.message_id().map(str::to_string));
        } else if part.is_content_type("text", "rfc822-headers") {
            let text = String::from_utf8_lossy(part.contents()).to_string();
            original = original.or_else(|| {
                MessageParser::default()
                    .parse(format!("{}\r\n\r\n", text.trim_end()).as_bytes())
                    .and_then(|headers| headers.message_id().map(str::to_string))
            });
        }
    }
    Some(
        original
            .map(|external_id| StatusUpdate {
                external_id,
                status: DeliveryStatus::Failed,
                error: Some(reason.unwrap_or_else(|| "the mail bounced".into())),
            })
            .into_iter()
            .collect(),
    )
}

/// Splits a plain-text mail at the start of its quoted history: an
/// attribution line ("On … wrote:", "Em … escreveu:", Outlook's header
/// block) or the `>` block that runs to the end.
pub fn split_quoted_text(text: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let is_attribution = |line: &str| {
        let l = line.trim();
        let lower = l.to_lowercase();
        (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (lower.starts_with("em ") && lower.ends_with("escreveu:"))
            || lower.starts_with("-----original message-----")
            || lower.starts_with("-----mensagem original-----")
            || lower.starts_with("________________________________")
    };
    let quote_block_from = |start: usize| {
        lines[start..]
            .iter()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('>'))
    };
    let cut = (0..lines.len()).find(|&i| {
        is_attribution(lines[i])
            || (lines[i].trim_start().starts_with('>') && quote_block_from(i))
            || (i > 0 && lines[i - 1].trim().is_empty() && is_outlook_header(&lines[i..]))
    });
    match cut {
        Some(i) if i > 0 || lines.len() > 1 => {
            let new_text = lines[..i].join("\n").trim().to_string();
            let quoted = lines[i..].join("\n").trim().to_string();
            (new_text, Some(quoted).filter(|q| !q.is_empty()))
        }
        _ => (text.trim().to_string(), None),
    }
}

/// Outlook's "From: … / Sent: …" (or "De: … / Enviado: …") reply header.
fn is_outlook_header(lines: &[&str]) -> bool {
    let starts = |line: Option<&&str>, prefixes: &[&str]| {
        line.is_some_and(|l| {
            let l = l.trim_start().to_lowercase();
            prefixes.iter().any(|p| l.starts_with(p))
        })
    };
    starts(lines.first(), &["from:", "de:"])
        && starts(
            lines.get(1),
            &["sent:", "enviado:", "enviada:", "date:", "data:"],
        )
}

/// Cuts an HTML mail where its quoted history starts (the markers Gmail,
/// Outlook, Apple Mail and Thunderbird use); the sanitizer closes what
/// the cut leaves open.
fn cut_quoted_html(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let markers = [
        "class=\"gmail_quote",
        "id=\"divrplyfwdmsg\"",
        "id=\"appendonsend\"",
        "class=\"moz-cite-prefix\"",
        "<blockquote type=\"cite\"",
        "class=\"yahoo_quoted\"",
    ];
    let cut = markers
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min()
        .map(|at| lower[..at].rfind('<').unwrap_or(at));
    match cut {
        Some(at) if html.is_char_boundary(at) => &html[..at],
        _ => html,
    }
}

/// The allow-list: formatting, links and tables stay; scripts, styles,
/// forms, frames, event handlers and images (remote ones would tell the
/// sender when an agent opens the mail) go.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .rm_tags(["img"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(items: Vec<InboundItem>) -> InboundMessage {
        match items.into_iter().next() {
            Some(InboundItem::Message(message)) => message,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    const REPLY: &str = "From: =?UTF-8?Q?Jo=C3=A3o_Silva?= <Joao@Cliente.com.br>\r\n\
To: suporte@loja.com.br\r\n\
Subject: Re: Pedido 123\r\n\
Message-ID: <abc@cliente.com.br>\r\n\
In-Reply-To: <ponte-9@loja.com.br>\r\n\
References: <first@cliente.com.br> <ponte-9@loja.com.br>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Obrigado, chegou!\r\n\
\r\n\
Em ter., 1 de dez. de 2026 =C3=A0s 10:00, Suporte escreveu:\r\n\
> Seu pedido foi enviado.\r\n";

    #[test]
    fn a_reply_keeps_sender_subject_threading_ids_and_collapses_the_quote() {
        let m = message(parse(REPLY.as_bytes()).unwrap());
        assert_eq!(m.from, "joao@cliente.com.br");
        assert_eq!(m.profile_name.as_deref(), Some("João Silva"));
        assert_eq!(m.external_id, "abc@cliente.com.br");
        assert_eq!(m.body, "Obrigado, chegou!");
        let email = m.email.unwrap();
        assert_eq!(email.subject, "Re: Pedido 123");
        assert_eq!(
            email.references,
            vec!["ponte-9@loja.com.br", "first@cliente.com.br"],
            "In-Reply-To first, then References newest first"
        );
        assert!(email.quoted.unwrap().contains("Seu pedido foi enviado"));
    }

    #[test]
    fn html_is_sanitized_and_its_quoted_history_cut() {
        let raw = "From: a@b.com\r\nMessage-ID: <h@b.com>\r\nSubject: Oi\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<p onclick=\"steal()\">Ol\u{e1} <b>mundo</b><script>alert(1)</script>\
<a href=\"javascript:alert(2)\">x</a><img src=\"https://tracker.example/p.gif\"></p>\
<div class=\"gmail_quote\">On Mon, someone wrote:<blockquote>old</blockquote></div>";
        let m = message(parse(raw.as_bytes()).unwrap());
        let html = m.email.unwrap().html.unwrap();
        assert!(html.contains("<b>mundo</b>"), "{html}");
        for gone in ["script", "alert", "onclick", "javascript", "tracker", "old"] {
            assert!(!html.contains(gone), "{gone} survived in {html}");
        }
        assert!(
            m.body.contains("mundo"),
            "the text version comes from the HTML"
        );
    }

    #[test]
    fn auto_replies_open_nothing_and_a_plain_mail_does() {
        let vacation = "From: a@b.com\r\nMessage-ID: <v@b.com>\r\nAuto-Submitted: auto-replied\r\n\
Subject: Out of office\r\n\r\nI am away.\r\n";
        assert!(parse(vacation.as_bytes()).unwrap().is_empty());
        let human = vacation.replace("Auto-Submitted: auto-replied\r\n", "Auto-Submitted: no\r\n");
        assert_eq!(
            parse(human.as_bytes()).unwrap().len(),
            1,
            "positive control"
        );
        let bulk = "From: a@b.com\r\nPrecedence: bulk\r\n\r\nnews\r\n";
        assert!(parse(bulk.as_bytes()).unwrap().is_empty());
    }

    #[test]
    fn a_bounce_of_our_reply_fails_it_with_the_servers_words() {
        let raw = "From: MAILER-DAEMON@mx.b.com\r\nSubject: Undelivered\r\nMessage-ID: <dsn@mx>\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n\
--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.b.com\r\n\r\n\
Final-Recipient: rfc822; x@b.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n\
--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ponte-7@loja.com.br>\r\nSubject: Re: x\r\n\r\n--B--\r\n";
        let items = parse(raw.as_bytes()).unwrap();
        assert_eq!(
            items,
            vec![InboundItem::Status(StatusUpdate {
                external_id: "ponte-7@loja.com.br".into(),
                status: DeliveryStatus::Failed,
                error: Some("smtp; 550 5.1.1 user unknown".into()),
            })]
        );
    }

    #[test]
    fn attachments_are_listed_by_part() {
        let raw = "From: a@b.com\r\nMessage-ID: <f@b.com>\r\nSubject: Nota\r\n\
Content-Type: multipart/mixed; boundary=\"X\"\r\n\r\n\
--X\r\nContent-Type: text/plain\r\n\r\nSegue a nota.\r\n\
--X\r\nContent-Type: application/pdf; name=\"nota.pdf\"\r\nContent-Disposition: attachment; filename=\"nota.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--X--\r\n";
        let m = message(parse(raw.as_bytes()).unwrap());
        assert_eq!(m.body, "Segue a nota.");
        let attachments = m.email.unwrap().attachments;
        assert_eq!(attachments.len(), 1);
        assert_eq!(attachments[0].file_name, "nota.pdf");
        assert_eq!(attachments[0].mime_type, "application/pdf");
        let raw_mail = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(
            raw_mail.part(attachments[0].part).unwrap().contents(),
            b"%PDF-1.4\n"
        );
    }

    #[test]
    fn quoted_text_is_found_in_the_usual_shapes() {
        let (new, quoted) =
            split_quoted_text("Oi\n\nOn Mon, 1 Dec 2026, Ana <a@b.com> wrote:\n> x");
        assert_eq!((new.as_str(), quoted.is_some()), ("Oi", true));
        let (new, quoted) =
            split_quoted_text("Certo.\n\nDe: Suporte\nEnviado: terça-feira\nAssunto: x\n\nold");
        assert_eq!((new.as_str(), quoted.is_some()), ("Certo.", true));
        let (new, quoted) = split_quoted_text("Linha 1\n> citação no meio\nLinha 3");
        assert_eq!(
            (new.as_str(), quoted),
            ("Linha 1\n> citação no meio\nLinha 3", None),
            "a quote in the middle is part of the text"
        );
    }
}
