//! Fluxos: the list of automation flows with how their runs went, and the
//! drag-and-drop builder (`/flows/:id`). One lazy route for both, so the
//! whole area is one chunk loaded when first opened.

mod builder;
mod canvas;
mod list;
pub mod model;
mod panel;
mod strings;
mod test_chat;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::Permission;

use crate::components::layout::use_session;
use crate::pages::settings::Forbidden;
use crate::prefs::use_prefs;

pub use strings::FlowStrings;

/// The area's words in the person's language.
fn use_words() -> impl Fn() -> &'static FlowStrings + Copy {
    let prefs = use_prefs();
    move || strings::strings(prefs.locale.get())
}

#[component]
pub fn FlowsPage() -> impl IntoView {
    if !use_session().can(Permission::ManageFlows) {
        return view! { <Forbidden /> }.into_any();
    }
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    view! {
        {move || match id() {
            Some(id) => view! { <builder::FlowBuilder id=id /> }.into_any(),
            None => view! { <list::FlowList /> }.into_any(),
        }}
    }
    .into_any()
}
