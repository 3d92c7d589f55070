//! Fluxos: the list of automation flows with how their runs went
//! (`/flows`), the drag-and-drop builder (`/flows/:id`) and the AI agents
//! its AI blocks speak through (`/flows/agents`): three lazy routes, so each
//! download stays within the budget for a lazily loaded part (150 KB
//! brotli).

mod agents;
mod builder;
mod canvas;
mod list;
pub mod model;
mod panel;
mod strings;
mod test_chat;
mod viewport;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::{AppError, Permission};

use crate::components::form::ErrorBanner;
use crate::components::layout::use_session;
use crate::pages::settings::Forbidden;
use crate::prefs::use_prefs;

pub use strings::FlowStrings;

/// The area's words in the person's language.
fn use_words() -> impl Fn() -> &'static FlowStrings + Copy {
    let prefs = use_prefs();
    move || strings::strings(prefs.locale.get())
}

/// Fluxos: the list.
#[component]
pub fn FlowListPage() -> impl IntoView {
    if !use_session().can(Permission::ManageFlows) {
        return view! { <Forbidden /> }.into_any();
    }
    view! { <list::FlowList /> }.into_any()
}

/// One flow in the builder.
#[component]
pub fn FlowBuilderPage() -> impl IntoView {
    if !use_session().can(Permission::ManageFlows) {
        return view! { <Forbidden /> }.into_any();
    }
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")?.parse::<i64>().ok());
    view! {
        {move || match id() {
            Some(id) => view! { <builder::FlowBuilder id=id /> }.into_any(),
            None => view! {
                <div class="p-6">
                    <ErrorBanner error=Signal::derive(|| Some(AppError::NotFound)) />
                </div>
            }
            .into_any(),
        }}
    }
    .into_any()
}

/// Fluxos → Agentes de IA.
#[component]
pub fn FlowAgentsPage() -> impl IntoView {
    if !use_session().can(Permission::ManageFlows) {
        return view! { <Forbidden /> }.into_any();
    }
    view! { <agents::AgentsPage /> }.into_any()
}

/// The builder's own layout and canvas styles, shipped in this lazy chunk
/// (the site's stylesheet, which every first visit downloads, stays as it
/// was). Colours read in light and dark themes alike.
const BUILDER_CSS: &str = "\
.fb-root{height:calc(100dvh - 3.5rem);display:flex;flex-direction:column}\
.fb-main{display:flex;flex-direction:column;flex:1;min-height:0}\
.fb-palette{display:flex;gap:.25rem;overflow-x:auto;padding:.5rem;border-bottom:1px solid rgb(148 163 184/.35)}\
.fb-palette button{cursor:grab;touch-action:none;white-space:nowrap}\
.fb-hint{display:none}\
.fb-side{display:flex;flex-direction:column;gap:1rem;overflow-y:auto;padding:.75rem;max-height:45vh;border-top:1px solid rgb(148 163 184/.35)}\
.fb-canvas{position:relative;flex:1;min-height:50vh;overflow:hidden;touch-action:none;background-color:rgb(148 163 184/.12);\
background-image:radial-gradient(rgb(100 116 139/.4) 1px,transparent 1px);background-size:20px 20px}\
@media (min-width:768px){.fb-main{flex-direction:row}\
.fb-palette{flex-direction:column;width:11rem;overflow-y:auto;border-bottom:0;border-right:1px solid rgb(148 163 184/.35)}\
.fb-side{width:20rem;max-height:none;border-top:0;border-left:1px solid rgb(148 163 184/.35)}.fb-hint{display:block}}\
.fb-layer{position:absolute;left:0;top:0;transform-origin:0 0}\
.fb-svg{position:absolute;left:0;top:0;overflow:visible;pointer-events:none}\
.fb-edge{fill:none;stroke:#94a3b8;stroke-width:2}\
.fb-drawing{fill:none;stroke:#3b82f6;stroke-width:2;stroke-dasharray:6 4}\
.fb-block{position:absolute;cursor:move;user-select:none;touch-action:none}\
.fb-block[data-broken=true]{border-color:#f87171}\
.fb-block[data-current=true]{box-shadow:0 0 0 2px #22c55e}\
.fb-block[data-selected=true]{box-shadow:0 0 0 2px #2563eb}\
.fb-in,.fb-out{position:absolute;left:50%;translate:-50% 0;border-radius:9999px;border:2px solid #fff}\
.fb-in{top:-6px;width:12px;height:12px;background:#94a3b8}\
.fb-out{bottom:-7px;width:14px;height:14px;background:#2563eb;cursor:crosshair;touch-action:none}\
.fb-out[data-optional=true]{background:#94a3b8}\
.fb-out-label{position:absolute;bottom:10px;translate:-50% 0;font-size:10px;line-height:1;color:#64748b}\
.fb-zoom{position:absolute;right:.75rem;bottom:.75rem;display:flex;gap:.25rem}\
.fb-transcript{max-height:15rem;overflow-y:auto}\
.fb-customer,.fb-bot{white-space:pre-line}.fb-customer{margin-left:2rem}.fb-bot{margin-right:2rem}";
