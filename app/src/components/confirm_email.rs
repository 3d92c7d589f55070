//! The notice a person sees until their e-mail address is confirmed, with
//! a way to have the link sent again.

use leptos::prelude::*;

use crate::api::session::ResendConfirmation;
use crate::components::layout::use_session;
use crate::prefs::use_t;

#[component]
pub fn UnconfirmedEmailNotice() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if session.user.email_confirmed {
        return ().into_any();
    }
    let email = session.user.email.clone();
    let resend = ServerAction::<ResendConfirmation>::new();
    let outcome = move || match resend.value().get() {
        Some(Ok(())) => Some(t().link_resent.to_string()),
        Some(Err(err)) => Some(t().error(&err)),
        None => None,
    };
    view! {
        <div class="flex shrink-0 flex-wrap items-center justify-center gap-x-3 gap-y-1 bg-blue-50 px-3 py-1.5 text-center text-xs text-blue-900 dark:bg-blue-950 dark:text-blue-100" role="status" id="unconfirmed-email">
            <span>{move || t().unconfirmed_banner} " " <strong>{email.clone()}</strong></span>
            {move || match outcome() {
                Some(text) => view! { <span id="resend-outcome">{text}</span> }.into_any(),
                None => view! {
                    <button type="button" id="resend-confirmation" class="font-semibold underline disabled:opacity-60"
                        disabled=move || resend.pending().get()
                        on:click=move |_| { resend.dispatch(ResendConfirmation {}); }>
                        {move || t().resend_link}
                    </button>
                }.into_any(),
            }}
        </div>
    }
    .into_any()
}
