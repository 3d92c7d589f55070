//! The demo's service desk: departments, office hours and SLA policies.

use shared::departments::{
    Calendar, ClockTime, DepartmentForm, DepartmentMember, Distribution, Holiday, LocalizedText,
    Opening, ServiceDeskSettings, WalletFallback, WeeklyHours,
};
use shared::Role;
use uuid::Uuid;

/// The demo's SLA policies: the default and the one for urgent conversations.
pub(super) struct DemoSla {
    pub(super) standard: i64,
    pub(super) urgent: i64,
}

/// Suporte (the widget's department; distributed by hand) and Cobrança
/// (round-robin, its own hours, an out-of-hours reply and the SLA policies).
/// `true`: the existing Suporte.
pub(super) fn demo_departments(members: &[Uuid], sla: &DemoSla) -> Vec<(bool, DepartmentForm)> {
    let seats = |capacity| {
        members
            .iter()
            .map(|&user_id| DepartmentMember {
                user_id,
                max_conversations: capacity,
            })
            .collect()
    };
    let mut finance_messages = LocalizedText::new();
    finance_messages.insert(
        "pt-BR".into(),
        "Olá! A Cobrança atende de segunda a sexta, das 9h às 17h. Respondemos assim que abrirmos."
            .into(),
    );
    finance_messages.insert(
        "en".into(),
        "Hi! Billing answers Monday to Friday, 9 am to 5 pm. We will reply as soon as we open."
            .into(),
    );
    vec![
        (
            true,
            DepartmentForm {
                name: "Suporte".into(),
                description: "Dúvidas de uso, problemas técnicos e pedidos do site.".into(),
                channel_id: None,
                members: seats(8),
                distribution: Distribution::Manual,
                calendar: None,
                out_of_hours_messages: LocalizedText::new(),
                sla_policy_id: None,
                sla_by_priority: Default::default(),
                grants: vec![],
            },
        ),
        (
            false,
            DepartmentForm {
                name: "Cobrança".into(),
                description: "Boletos, notas fiscais e segunda via.".into(),
                channel_id: None,
                members: seats(5),
                distribution: Distribution::RoundRobin,
                calendar: Some(Calendar {
                    business_hours: Some(WeeklyHours::weekdays(
                        ClockTime::at(9, 0),
                        ClockTime::at(17, 0),
                    )),
                    holidays: vec![],
                }),
                out_of_hours_messages: finance_messages,
                sla_policy_id: Some(sla.standard),
                sla_by_priority: [(shared::inbox::Priority::Urgent, sla.urgent)].into(),
                // Supervisors held to their own departments still assign Cobrança's.
                grants: vec![shared::access::Grant {
                    role: Some(Role::Supervisor),
                    user_id: None,
                    level: shared::access::DepartmentAccess::Assign,
                }],
            },
        ),
    ]
}

/// Brazilian office hours and national holidays.
pub(super) fn demo_service_desk() -> ServiceDeskSettings {
    let mut hours = WeeklyHours::weekdays(ClockTime::at(8, 0), ClockTime::at(18, 0));
    hours.sat.push(Opening {
        open: ClockTime::at(8, 0),
        close: ClockTime::at(12, 0),
    });
    let holidays = [
        "--01-01", "--04-21", "--05-01", "--09-07", "--10-12", "--11-02", "--11-15", "--11-20",
        "--12-25",
    ]
    .into_iter()
    .filter_map(|h| Holiday::parse(h).ok())
    .collect();
    ServiceDeskSettings {
        calendar: Calendar {
            business_hours: Some(hours),
            holidays,
        },
        wallet_routing: false,
        wallet_owner_offline: WalletFallback::Distribute,
        reroute_reopened: false,
        time_zone: String::new(),
        locale: shared::Locale::PtBr,
    }
}
