//! Attachments: the file from the button, a paste or a drop, its upload with
//! progress, and the upload's status above the input.

use leptos::prelude::*;
use shared::inbox::AttachmentView;

use crate::components::icons::{Icon, Svg};
use crate::pages::inbox::conversation::human_size;
use crate::pages::inbox::Inbox;
use crate::prefs::use_t;

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(super) enum Upload {
    Progress { name: String, percent: u32 },
    Done(AttachmentView),
    Failed(String),
}

/// A file the browser handed us (input, paste or drop).
pub(super) struct FileToUpload {
    name: String,
    size: f64,
    #[cfg(feature = "hydrate")]
    file: web_sys::File,
}

#[cfg(feature = "hydrate")]
fn first_file(files: Option<web_sys::FileList>) -> Option<FileToUpload> {
    let file = files?.get(0)?;
    Some(FileToUpload {
        name: file.name(),
        size: file.size(),
        file,
    })
}

pub(super) fn chosen_file(ev: &leptos::ev::Event) -> Option<FileToUpload> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        let file = first_file(input.files());
        input.set_value("");
        file
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

pub(super) fn pasted_file(ev: &leptos::ev::ClipboardEvent) -> Option<FileToUpload> {
    #[cfg(feature = "hydrate")]
    {
        first_file(ev.clipboard_data()?.files())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

pub(super) fn dropped_file(ev: &leptos::ev::DragEvent) -> Option<FileToUpload> {
    #[cfg(feature = "hydrate")]
    {
        first_file(ev.data_transfer()?.files())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

/// Starts uploading `file` into `upload`, unless it is over the size limit.
pub(super) fn start_upload(
    file: FileToUpload,
    upload: RwSignal<Option<Upload>>,
    inbox: Inbox,
    locale: shared::Locale,
) {
    let limit_mb = inbox
        .context
        .get_untracked()
        .and_then(Result::ok)
        .map(|c| c.attachment_limit_mb)
        .unwrap_or(16);
    if file.size > f64::from(limit_mb) * 1024.0 * 1024.0 {
        let message = (crate::i18n::strings(locale).file_too_large_mb)(limit_mb);
        upload.set(Some(Upload::Failed(message)));
        return;
    }
    upload.set(Some(Upload::Progress {
        name: file.name.clone(),
        percent: 0,
    }));
    upload_file(file, upload, locale);
}

/// Uploads with XMLHttpRequest, for its progress events.
fn upload_file(file: FileToUpload, state: RwSignal<Option<Upload>>, locale: shared::Locale) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let t = crate::i18n::strings(locale);
        let fail = move |message: String| state.set(Some(Upload::Failed(message)));
        let (Ok(request), Ok(form)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new())
        else {
            fail(t.err_transport.to_string());
            return;
        };
        if form
            .append_with_blob_and_filename("file", &file.file, &file.name)
            .is_err()
            || request.open("POST", "/attachments").is_err()
        {
            fail(t.err_transport.to_string());
            return;
        }
        let name = file.name.clone();
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                if ev.length_computable() && ev.total() > 0.0 {
                    let percent = ((ev.loaded() / ev.total()) * 100.0).round() as u32;
                    state.set(Some(Upload::Progress {
                        name: name.clone(),
                        percent: percent.min(99),
                    }));
                }
            });
        if let Ok(upload) = request.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        on_progress.forget();
        let done_request = request.clone();
        let on_load = Closure::<dyn FnMut()>::new(move || {
            let body = done_request
                .response_text()
                .ok()
                .flatten()
                .unwrap_or_default();
            if done_request.status().unwrap_or(0) == 201 {
                match crate::json::decode::<AttachmentView>(&body) {
                    Ok(attachment) => state.set(Some(Upload::Done(attachment))),
                    Err(_) => fail(t.err_transport.to_string()),
                }
            } else {
                let message = crate::json::decode::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["fields"][0]["code"].as_str().map(str::to_string))
                    .and_then(|code| {
                        serde_json::from_value::<shared::ErrorCode>(serde_json::Value::String(code))
                            .ok()
                    })
                    .map(|code| t.code(code).to_string())
                    .unwrap_or_else(|| t.error(&shared::AppError::Transport { message: body }));
                fail(message);
            }
        });
        request.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        let on_error = Closure::<dyn FnMut()>::new(move || fail(t.err_transport.to_string()));
        request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        let _ = request.send_with_opt_form_data(Some(&form));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (file, state, locale);
}

/// The upload's progress bar, the attachment ready to send, or why it failed.
#[component]
pub(super) fn UploadStatus(upload: RwSignal<Option<Upload>>) -> impl IntoView {
    let t = use_t();
    move || {
        upload.get().map(|state| match state {
            Upload::Progress { name, percent } => view! {
                <div class="mb-1 rounded-lg bg-slate-100 p-2 text-xs dark:bg-slate-800" id="upload-progress">
                    <p class="truncate">{name} " — " {(t().uploading_pct)(percent)}</p>
                    <div class="mt-1 h-1.5 rounded bg-slate-200 dark:bg-slate-700" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                        <div class="h-1.5 rounded bg-blue-600" style=format!("width: {percent}%")></div>
                    </div>
                </div>
            }.into_any(),
            Upload::Done(attachment) => view! {
                <div class="mb-1 flex items-center gap-2 rounded-lg bg-slate-100 p-2 text-xs dark:bg-slate-800" id="upload-ready">
                    <Svg icon=Icon::Paperclip class="size-4" />
                    <span class="truncate">{attachment.file_name.clone()}</span>
                    <span class="text-slate-500 dark:text-slate-400">{human_size(attachment.size_bytes)}</span>
                    <button type="button" class="ml-auto rounded p-0.5 hover:bg-slate-200 dark:hover:bg-slate-700" on:click=move |_| upload.set(None) aria-label=move || t().remove>
                        <Svg icon=Icon::Close class="size-3.5" />
                    </button>
                </div>
            }.into_any(),
            Upload::Failed(message) => view! {
                <p class="mb-1 rounded-lg bg-red-50 p-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-200" role="alert">{message}</p>
            }.into_any(),
        })
    }
}
