//! The browser entry point: hydrate the server-rendered page.

// The app shell's view type is deep; release builds monomorphize it here.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
