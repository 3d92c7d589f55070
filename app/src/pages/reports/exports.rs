//! The page's downloads: a CSV or PDF of the report on screen is built in
//! the background (so a long period never holds the page), its progress bar
//! filled by the server's frames; the file downloads by itself when done,
//! with a link to download it again.

use leptos::prelude::*;
use shared::events::ServerEvent;
use shared::report_words::{report_title, words};
use shared::reports::{
    ExportFailure, ExportRequest, ExportState, FileFormat, ReportExport, ReportFilter, ReportKind,
};
use shared::Locale;
use std::collections::HashMap;
use uuid::Uuid;

use crate::api::reports::{export_progress, StartReportExport};
use crate::components::form::{form_error, ErrorBanner};
use crate::components::widgets::BUTTON;
use crate::realtime::{use_realtime, Incoming};

/// The CSV and PDF buttons for the page's header.
#[component]
pub fn ExportButtons(
    kind: RwSignal<ReportKind>,
    filter: Memo<ReportFilter>,
    locale: RwSignal<Locale>,
    start: ServerAction<StartReportExport>,
) -> impl IntoView {
    let w = move || words(locale.get());
    let export = move |format: FileFormat| {
        start.dispatch(StartReportExport {
            request: ExportRequest {
                report: kind.get_untracked(),
                format,
                filter: filter.get_untracked(),
                locale: locale.get_untracked(),
            },
        });
    };
    view! {
        <div class="flex gap-2">
            <button type="button" class=BUTTON data-export="csv" on:click=move |_| export(FileFormat::Csv)>
                {move || w().download_csv}
            </button>
            <button type="button" class=BUTTON data-export="pdf" on:click=move |_| export(FileFormat::Pdf)>
                {move || w().download_pdf}
            </button>
        </div>
    }
}

/// The files this page asked for, newest first, each with its progress.
#[component]
pub fn ExportList(
    locale: RwSignal<Locale>,
    start: ServerAction<StartReportExport>,
) -> impl IntoView {
    let exports = RwSignal::new(Vec::<ReportExport>::new());
    // Frames about exports this page has not heard of yet: a small file can
    // be done before the request that started it has returned.
    let early = StoredValue::new(HashMap::<Uuid, ReportExport>::new());
    let apply = move |update: ReportExport| {
        let mut finished_now = false;
        exports.update(|list| {
            if let Some(known) = list.iter_mut().find(|e| e.id == update.id) {
                finished_now =
                    update.state == ExportState::Done && known.state != ExportState::Done;
                if update.state.finished() || update.progress >= known.progress {
                    *known = update.clone();
                }
            }
        });
        if finished_now {
            download(&update.download_path());
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(started)) = start.value().get() {
            if exports.with_untracked(|list| list.iter().any(|e| e.id == started.id)) {
                return;
            }
            exports.update(|list| list.insert(0, started.clone()));
            if let Some(update) = early
                .try_update_value(|early| early.remove(&started.id))
                .flatten()
            {
                apply(update);
            }
        }
    });
    if let Some(realtime) = use_realtime() {
        realtime.subscribe(move |incoming| match incoming {
            Incoming::Event(ServerEvent::ReportExport { export }) => {
                let known = exports
                    .try_with_untracked(|list| list.iter().any(|e| e.id == export.id))
                    .unwrap_or(false);
                if known {
                    apply(export.clone());
                } else {
                    // Also the person's exports from other tabs: keep few.
                    early.try_update_value(|early| {
                        if early.len() >= 20 {
                            early.clear();
                        }
                        early.insert(export.id, export.clone())
                    });
                }
            }
            Incoming::Resync { .. } => {
                let pending: Vec<Uuid> = exports
                    .try_with_untracked(|list| {
                        list.iter()
                            .filter(|e| !e.state.finished())
                            .map(|e| e.id)
                            .collect()
                    })
                    .unwrap_or_default();
                for id in pending {
                    leptos::task::spawn_local(async move {
                        if let Ok(export) = export_progress(id).await {
                            apply(export);
                        }
                    });
                }
            }
            Incoming::Event(_) => {}
        });
    }
    let error = form_error(start);
    view! {
        <ErrorBanner error=error />
        <Show when=move || exports.with(|list| !list.is_empty())>
            <ul class="space-y-2" aria-label=move || words(locale.get()).files>
                <For each=move || exports.get() key=|e| (e.id, e.state, e.progress) let:export>
                    <ExportLine export=export locale=locale on_dismiss=move |id| exports.update(|list| list.retain(|e| e.id != id)) />
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn ExportLine(
    export: ReportExport,
    locale: RwSignal<Locale>,
    on_dismiss: impl Fn(Uuid) + Send + Sync + 'static,
) -> impl IntoView {
    let w = move || words(locale.get());
    let id = export.id;
    let title = move || {
        format!(
            "{} · {}",
            report_title(locale.get(), export.report),
            export.format.as_str().to_uppercase()
        )
    };
    let state = export.state;
    let status = move || match (state, export.error) {
        (ExportState::Done, _) => w().file_ready,
        (ExportState::Failed, Some(ExportFailure::NotAllowed)) => w().export_not_allowed,
        (ExportState::Failed, _) => w().export_failed,
        _ => w().exporting,
    };
    let progress = export.progress;
    let path = export.download_path();
    view! {
        <li class="flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm dark:border-slate-800 dark:bg-slate-900" data-export-state=state.as_str()>
            <span class="font-medium">{title}</span>
            <div
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=progress.to_string()
                aria-label=title
                class="h-2 w-40 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
            >
                <div
                    class=if state == ExportState::Failed { "h-full bg-red-600" } else { "h-full bg-blue-700 transition-[width]" }
                    style=format!("width: {progress}%")
                ></div>
            </div>
            <span class="text-slate-600 dark:text-slate-300" role="status">{status}</span>
            <Show when=move || state == ExportState::Done>
                <a class="text-blue-700 underline dark:text-blue-400" href=path.clone() download>{move || w().download_again}</a>
            </Show>
            <button type="button" class="ml-auto text-slate-500 hover:text-slate-800 dark:hover:text-slate-200" on:click=move |_| on_dismiss(id)>
                {move || w().dismiss}
            </button>
        </li>
    }
}

/// Starts the browser's download of `path` (an attachment: the page stays).
fn download(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
