//! The system's own mail, in the recipient's language: plain text and a
//! simple HTML alternative.

use shared::prefs::Locale;
use shared::Role;

use super::Content;

/// A mail the system writes, with what it needs to say.
pub enum SystemMail<'a> {
    EmailConfirmation {
        name: &'a str,
        link: &'a str,
    },
    PasswordReset {
        name: &'a str,
        link: &'a str,
    },
    Invitation {
        account_name: &'a str,
        invited_by: &'a str,
        role: Role,
        link: &'a str,
    },
    ConnectionDown {
        name: &'a str,
        connection: &'a str,
        detail: Option<&'a str>,
        link: &'a str,
    },
    /// A scheduled report, attached.
    ScheduledReport {
        /// The report's title in the mail's language.
        report: &'a str,
        /// "01/11/2026 – 30/11/2026"
        period: &'a str,
        /// Who scheduled it.
        owner: &'a str,
        link: &'a str,
    },
    /// The AI's review of a resolved conversation scored under the
    /// account's threshold.
    LowQualityScore(QualityAlert<'a>),
    /// A rule's "notify managers" action.
    RuleAlert {
        name: &'a str,
        rule: &'a str,
        number: i64,
        contact: &'a str,
        /// The rule's own words, when it has some.
        note: Option<&'a str>,
        link: &'a str,
    },
}

/// What the low-score mail says.
pub struct QualityAlert<'a> {
    pub name: &'a str,
    pub number: i64,
    pub contact: &'a str,
    /// "4,5" / "4.5", as the reader writes numbers.
    pub score: &'a str,
    pub threshold: &'a str,
    pub justification: &'a str,
    pub summary: Option<&'a str>,
    pub link: &'a str,
}

/// What a system mail says: a greeting, paragraphs, one button and the
/// closing note.
struct Wording {
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    button: &'static str,
    link: String,
    closing: &'static str,
}

impl SystemMail<'_> {
    pub fn kind(&self) -> super::MailKind {
        match self {
            Self::EmailConfirmation { .. } => super::MailKind::EmailConfirmation,
            Self::PasswordReset { .. } => super::MailKind::PasswordReset,
            Self::Invitation { .. } => super::MailKind::Invitation,
            Self::ConnectionDown { .. } => super::MailKind::ConnectionAlert,
            Self::ScheduledReport { .. } => super::MailKind::ScheduledReport,
            Self::LowQualityScore(_) => super::MailKind::QualityAlert,
            Self::RuleAlert { .. } => super::MailKind::RuleAlert,
        }
    }

    /// Subject and content in `locale`.
    pub fn render(&self, locale: Locale) -> (String, Content) {
        let wording = self.wording(locale);
        let content = Content {
            text: plain_text(&wording),
            html: html(&wording, locale),
            attachments: Vec::new(),
        };
        (wording.subject, content)
    }

    fn wording(&self, locale: Locale) -> Wording {
        let pt = locale == Locale::PtBr;
        let hello = |name: &str| {
            if pt {
                format!("Olá, {name}!")
            } else {
                format!("Hello {name},")
            }
        };
        let closing = if pt {
            "Se não foi você, ignore este e-mail: nada muda."
        } else {
            "If this wasn't you, ignore this e-mail: nothing changes."
        };
        match *self {
            Self::EmailConfirmation { name, link } => Wording {
                subject: if pt {
                    "Confirme seu e-mail no Ponte"
                } else {
                    "Confirm your e-mail for Ponte"
                }
                .into(),
                greeting: hello(name),
                paragraphs: vec![if pt {
                    "Confirme que este endereço é seu para receber avisos e poder recuperar sua senha. O link vale por 48 horas.".into()
                } else {
                    "Confirm that this address is yours, so Ponte can send you notices and help you reset your password. The link works for 48 hours.".into()
                }],
                button: if pt {
                    "Confirmar e-mail"
                } else {
                    "Confirm e-mail"
                },
                link: link.into(),
                closing,
            },
            Self::PasswordReset { name, link } => Wording {
                subject: if pt {
                    "Redefinir sua senha do Ponte"
                } else {
                    "Reset your Ponte password"
                }
                .into(),
                greeting: hello(name),
                paragraphs: vec![if pt {
                    "Recebemos um pedido para redefinir sua senha. O link vale por 1 hora e só pode ser usado uma vez; ao usá-lo, você sai de todos os aparelhos.".into()
                } else {
                    "We were asked to reset your password. The link works for 1 hour, once; using it signs you out everywhere.".into()
                }],
                button: if pt {
                    "Escolher uma nova senha"
                } else {
                    "Choose a new password"
                },
                link: link.into(),
                closing,
            },
            Self::Invitation {
                account_name,
                invited_by,
                role,
                link,
            } => Wording {
                subject: if pt {
                    format!("{invited_by} convidou você para {account_name} no Ponte")
                } else {
                    format!("{invited_by} invited you to {account_name} on Ponte")
                },
                greeting: if pt { "Olá!".into() } else { "Hello,".into() },
                paragraphs: vec![if pt {
                    format!("{invited_by} convidou você para atender clientes com a equipe de {account_name}, como {}. O convite vale por 7 dias.", role_name(role, locale))
                } else {
                    format!("{invited_by} invited you to serve customers with the {account_name} team, as {}. The invitation works for 7 days.", role_name(role, locale))
                }],
                button: if pt {
                    "Aceitar o convite"
                } else {
                    "Accept the invitation"
                },
                link: link.into(),
                closing: if pt {
                    "Se você não esperava este convite, ignore este e-mail."
                } else {
                    "If you didn't expect this invitation, ignore this e-mail."
                },
            },
            Self::ConnectionDown {
                name,
                connection,
                detail,
                link,
            } => connection_down(name, connection, detail, link, locale),
            Self::ScheduledReport {
                report,
                period,
                owner,
                link,
            } => scheduled_report(report, period, owner, link, locale),
            Self::LowQualityScore(ref alert) => low_quality_score(alert, locale),
            Self::RuleAlert {
                name,
                rule,
                number,
                contact,
                note,
                link,
            } => rule_alert(name, rule, number, contact, note, link, locale),
        }
    }
}

fn low_quality_score(alert: &QualityAlert<'_>, locale: Locale) -> Wording {
    let QualityAlert {
        name,
        number,
        contact,
        score,
        threshold,
        justification,
        summary,
        link,
    } = *alert;
    let pt = locale == Locale::PtBr;
    let mut paragraphs = vec![if pt {
        format!("A conversa #{number} com {contact} foi resolvida com nota de qualidade {score}/10, abaixo do limite da conta ({threshold}). Ela foi marcada como crítica.")
    } else {
        format!("Conversation #{number} with {contact} was resolved with a quality score of {score}/10, under the account's threshold ({threshold}). It is now marked critical.")
    }];
    paragraphs.push(if pt {
        format!("Justificativa: {justification}")
    } else {
        format!("Justification: {justification}")
    });
    if let Some(summary) = summary {
        paragraphs.push(if pt {
            format!("Resumo:\n{summary}")
        } else {
            format!("Summary:\n{summary}")
        });
    }
    Wording {
        subject: if pt {
            format!("Nota de qualidade {score}/10 na conversa #{number} ({contact})")
        } else {
            format!("Quality score {score}/10 on conversation #{number} ({contact})")
        },
        greeting: if pt {
            format!("Olá, {name}!")
        } else {
            format!("Hello {name},")
        },
        paragraphs,
        button: if pt {
            "Abrir a conversa"
        } else {
            "Open the conversation"
        },
        link: link.into(),
        closing: if pt {
            "Você recebe este aviso por gerenciar o atendimento desta conversa; enviamos um por resolução. A nota é da IA, não do cliente."
        } else {
            "You get this notice as a manager of this conversation's team; we send one per resolution. The score is the AI's, not the customer's."
        },
    }
}

fn rule_alert(
    name: &str,
    rule: &str,
    number: i64,
    contact: &str,
    note: Option<&str>,
    link: &str,
    locale: Locale,
) -> Wording {
    let pt = locale == Locale::PtBr;
    let mut paragraphs = vec![if pt {
        format!("A regra \u{201c}{rule}\u{201d} pediu sua atenção para a conversa #{number} com {contact}.")
    } else {
        format!("The rule \u{201c}{rule}\u{201d} asks for your attention on conversation #{number} with {contact}.")
    }];
    if let Some(note) = note {
        paragraphs.push(note.to_string());
    }
    Wording {
        subject: if pt {
            format!("Regra \u{201c}{rule}\u{201d}: conversa #{number} ({contact})")
        } else {
            format!("Rule \u{201c}{rule}\u{201d}: conversation #{number} ({contact})")
        },
        greeting: if pt {
            format!("Olá, {name}!")
        } else {
            format!("Hello {name},")
        },
        paragraphs,
        button: if pt {
            "Abrir a conversa"
        } else {
            "Open the conversation"
        },
        link: link.into(),
        closing: if pt {
            "Você recebe este aviso por gerenciar o atendimento desta conversa; um administrador criou a regra em Automação → Regras."
        } else {
            "You get this notice as a manager of this conversation's team; an admin set the rule up in Automation → Rules."
        },
    }
}

fn scheduled_report(
    report: &str,
    period: &str,
    owner: &str,
    link: &str,
    locale: Locale,
) -> Wording {
    let pt = locale == Locale::PtBr;
    Wording {
        subject: if pt {
            format!("Relatório agendado: {report} ({period})")
        } else {
            format!("Scheduled report: {report} ({period})")
        },
        greeting: if pt { "Olá!".into() } else { "Hello,".into() },
        paragraphs: vec![if pt {
            format!(
                "Segue em anexo o relatório {report} de {period}, agendado por {owner} no Ponte."
            )
        } else {
            format!(
                "Attached is the “{report}” report for {period}, scheduled by {owner} on Ponte."
            )
        }],
        button: if pt {
            "Abrir Relatórios"
        } else {
            "Open Reports"
        },
        link: link.into(),
        closing: if pt {
            "Você recebe este e-mail por estar na lista deste envio; quem o agendou pode mudá-lo ou cancelá-lo em Relatórios → Envios agendados."
        } else {
            "You get this e-mail as one of this report's recipients; whoever scheduled it can change or cancel it in Reports → Scheduled e-mails."
        },
    }
}

fn connection_down(
    name: &str,
    connection: &str,
    detail: Option<&str>,
    link: &str,
    locale: Locale,
) -> Wording {
    let pt = locale == Locale::PtBr;
    let reason = detail.map(|d| format!(" ({d})")).unwrap_or_default();
    Wording {
        subject: if pt {
            format!("Conexão fora do ar: {connection}")
        } else {
            format!("Connection down: {connection}")
        },
        greeting: if pt {
            format!("Olá, {name}!")
        } else {
            format!("Hello {name},")
        },
        paragraphs: vec![if pt {
            format!("A conexão {connection} deixou de funcionar{reason}. Mensagens de clientes por ela podem não chegar até que seja reconectada.")
        } else {
            format!("The connection {connection} stopped working{reason}. Customers' messages through it may not arrive until it is reconnected.")
        }],
        button: if pt {
            "Abrir Conexões"
        } else {
            "Open Connections"
        },
        link: link.into(),
        closing: if pt {
            "Você recebe este aviso por ser administrador(a) da conta; enviamos um por ocorrência."
        } else {
            "You get this notice as an administrator of the account; we send one per incident."
        },
    }
}

fn role_name(role: Role, locale: Locale) -> &'static str {
    let pt = locale == Locale::PtBr;
    match role {
        Role::GlobalAdmin => {
            if pt {
                "administrador(a)"
            } else {
                "an administrator"
            }
        }
        Role::Supervisor => {
            if pt {
                "supervisor(a)"
            } else {
                "a supervisor"
            }
        }
        Role::Agent => {
            if pt {
                "atendente"
            } else {
                "an agent"
            }
        }
        Role::Auditor => {
            if pt {
                "auditor(a)"
            } else {
                "an auditor"
            }
        }
        Role::Bot => "bot",
    }
}

fn plain_text(w: &Wording) -> String {
    let mut text = format!("{}\n\n", w.greeting);
    for p in &w.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{}:\n{}\n\n{}\n\n— Ponte\n",
        w.button, w.link, w.closing
    ));
    text
}

fn html(w: &Wording, locale: Locale) -> String {
    let paragraphs: String = w
        .paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape(p)))
        .collect();
    format!(
        r#"<!doctype html><html lang="{lang}"><body style="font-family:system-ui,sans-serif;color:#0f172a;max-width:560px;margin:0 auto;padding:24px">
<p>{greeting}</p>{paragraphs}
<p><a href="{link}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 18px;border-radius:8px;text-decoration:none">{button}</a></p>
<p style="font-size:13px;color:#475569">{link_text}</p>
<p style="font-size:13px;color:#475569">{closing}</p>
<p style="font-size:13px;color:#475569">— Ponte</p>
</body></html>"#,
        lang = locale.as_str(),
        greeting = escape(&w.greeting),
        link = escape(&w.link),
        link_text = escape(&w.link),
        button = escape(w.button),
        closing = escape(w.closing),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_speaks_the_recipients_language_and_escapes_names_in_html() {
        let mail = SystemMail::Invitation {
            account_name: "Loja <Azul>",
            invited_by: "Ana",
            role: Role::Agent,
            link: "https://ponte.example/invite/abc",
        };
        let (subject, content) = mail.render(Locale::PtBr);
        assert_eq!(subject, "Ana convidou você para Loja <Azul> no Ponte");
        assert!(content.text.contains("como atendente"));
        assert!(content.text.contains("https://ponte.example/invite/abc"));
        assert!(content.html.contains("Loja &lt;Azul&gt;"));
        assert!(!content.html.contains("<Azul>"));
        let (subject, content) = mail.render(Locale::En);
        assert_eq!(subject, "Ana invited you to Loja <Azul> on Ponte");
        assert!(content.text.contains("as an agent"));
    }
}
