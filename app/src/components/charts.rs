//! Charts as plain SVG: horizontal bars, grouped columns and a heatmap. They
//! take `currentColor` and Tailwind fill classes, so light and dark themes
//! both work, and carry an accessible summary (`role="img"` + label) so a
//! screen reader hears the figures the eye sees.

use leptos::prelude::*;

/// One bar: its label, its size, and the value written beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

const LABEL_WIDTH: f64 = 170.0;
const BAR_SPACE: f64 = 330.0;

/// Horizontal bars in the order given (callers sort them).
#[component]
pub fn HorizontalBars(bars: Vec<Bar>, #[prop(into)] label: String) -> impl IntoView {
    let largest = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let height = bars.len() * 28 + 4;
    let summary = format!(
        "{label}: {}",
        bars.iter()
            .map(|b| format!("{} {}", b.label, b.text))
            .collect::<Vec<_>>()
            .join("; ")
    );
    view! {
        <svg viewBox=format!("0 0 600 {height}") class="w-full text-slate-700 dark:text-slate-200" role="img" aria-label=summary>
            {bars.into_iter().enumerate().map(|(i, bar)| {
                let y = (i * 28 + 2) as f64;
                let length = if largest > 0.0 { bar.value / largest * BAR_SPACE } else { 0.0 }.max(1.0);
                view! {
                    <g>
                        <text x="0" y=format!("{:.1}", y + 15.0) font-size="12" fill="currentColor">{clip(&bar.label, 26)}</text>
                        <rect x=format!("{LABEL_WIDTH}") y=format!("{:.1}", y + 3.0) width=format!("{length:.1}") height="18" rx="3" class="fill-blue-600 dark:fill-blue-400" />
                        <text x=format!("{:.1}", LABEL_WIDTH + length + 6.0) y=format!("{:.1}", y + 15.0) font-size="12" fill="currentColor">{bar.text}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// One series of a column chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    /// A Tailwind fill class for its columns and legend swatch.
    pub fill: &'static str,
    pub values: Vec<i64>,
}

/// Columns side by side per label (days, hours), with a legend when there
/// is more than one series.
#[component]
pub fn Columns(
    labels: Vec<String>,
    series: Vec<Series>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let largest = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = 600.0 / labels.len().max(1) as f64;
    let width = (slot * 0.8 / series.len().max(1) as f64).max(1.0);
    let plot = 150.0;
    // Only some labels fit under the columns.
    let every = (labels.len() / 10).max(1);
    let summary = format!(
        "{label}: {}",
        series
            .iter()
            .map(|s| format!("{} {}", s.name, s.values.iter().sum::<i64>()))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let legend = (series.len() > 1).then(|| {
        series
            .iter()
            .map(|s| {
                view! {
                    <span class="inline-flex items-center gap-1">
                        <svg viewBox="0 0 10 10" class="size-2.5" aria-hidden="true"><rect width="10" height="10" rx="2" class=s.fill /></svg>
                        {s.name.clone()}
                    </span>
                }
            })
            .collect_view()
    });
    view! {
        <div>
            <svg viewBox="0 0 600 175" class="w-full text-slate-500 dark:text-slate-400" role="img" aria-label=summary>
                <line x1="0" x2="600" y1=format!("{plot}") y2=format!("{plot}") stroke="currentColor" stroke-width="0.5" />
                <text x="0" y="10" font-size="10" fill="currentColor">{format!("{largest}")}</text>
                {series.iter().enumerate().flat_map(|(n, s)| {
                    s.values.iter().enumerate().map(move |(i, value)| {
                        let h = *value as f64 / largest * (plot - 14.0);
                        let x = i as f64 * slot + slot * 0.1 + n as f64 * width;
                        view! { <rect x=format!("{x:.1}") y=format!("{:.1}", plot - h) width=format!("{width:.1}") height=format!("{h:.1}") class=s.fill><title>{value.to_string()}</title></rect> }
                    }).collect::<Vec<_>>()
                }).collect_view()}
                {labels.iter().enumerate().filter(|(i, _)| i % every == 0).map(|(i, text)| view! {
                    <text x=format!("{:.1}", i as f64 * slot + slot / 2.0) y="168" font-size="10" text-anchor="middle" fill="currentColor">{text.clone()}</text>
                }).collect_view()}
            </svg>
            {legend.map(|l| view! { <p class="mt-1 flex gap-4 text-xs text-slate-600 dark:text-slate-300">{l}</p> })}
        </div>
    }
}

/// A grid of counts (e.g. weekday × hour), darker where there are more.
#[component]
pub fn Heatmap(
    rows: Vec<String>,
    values: Vec<Vec<i64>>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let largest = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let busiest = values
        .iter()
        .enumerate()
        .flat_map(|(r, row)| row.iter().enumerate().map(move |(h, n)| (*n, r, h)))
        .max();
    let summary = match busiest {
        Some((n, r, h)) if n > 0 => format!(
            "{label}: {} {h}h — {n}",
            rows.get(r).cloned().unwrap_or_default()
        ),
        _ => label,
    };
    let cell = 22.0;
    let height = 20.0 + rows.len() as f64 * cell;
    view! {
        <svg viewBox=format!("0 0 {} {height}", 40.0 + 24.0 * cell) class="w-full text-slate-500 dark:text-slate-400" role="img" aria-label=summary>
            {(0..24).filter(|h| h % 3 == 0).map(|h| view! {
                <text x=format!("{:.1}", 40.0 + h as f64 * cell + cell / 2.0) y="12" font-size="10" text-anchor="middle" fill="currentColor">{format!("{h}h")}</text>
            }).collect_view()}
            {rows.into_iter().zip(values).enumerate().map(|(r, (name, row))| {
                let y = 18.0 + r as f64 * cell;
                view! {
                    <g>
                        <text x="0" y=format!("{:.1}", y + 15.0) font-size="11" fill="currentColor">{name}</text>
                        {row.into_iter().enumerate().map(|(h, n)| {
                            let opacity = if n == 0 { 0.06 } else { 0.15 + 0.85 * n as f64 / largest };
                            view! {
                                <rect x=format!("{:.1}", 40.0 + h as f64 * cell) y=format!("{y:.1}") width=format!("{:.1}", cell - 2.0) height=format!("{:.1}", cell - 2.0) rx="3"
                                    class="fill-blue-600 dark:fill-blue-400" fill-opacity=format!("{opacity:.2}")>
                                    <title>{format!("{h}h: {n}")}</title>
                                </rect>
                            }
                        }).collect_view()}
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(chars - 1).collect();
        cut.push('…');
        cut
    }
}
