//! Links the wasm with one data segment per constant.
//!
//! wasm-split (cargo-leptos `--split`) moves the constants only lazy parts use
//! into their modules by re-packing the linker's data segment; when the
//! re-packed data came out longer than the segment (alignment padding, a few
//! hundred bytes) it kept every constant in the main module instead, about
//! 60 KB more brotli in every first visit, caused by unrelated changes. With a
//! segment per constant there is nothing to re-pack. The site build merges
//! them again afterwards (`scripts/wasm-data.mjs`).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}
