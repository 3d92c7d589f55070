//! The browser entry point: hydrate the server-rendered page.

// The app shell's view type is deep; release builds monomorphize it here.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (`--split` chunks) load before their part of the page
    // hydrates.
    leptos::mount::hydrate_lazy(app::App);
}
