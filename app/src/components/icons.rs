//! Inline SVG icons (24×24 outline, drawn for Ponte), so no icon font or
//! extra request is needed.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Inbox,
    Users,
    Settings,
    Shield,
    Menu,
    Close,
    Sun,
    Moon,
    Monitor,
    Globe,
    Logout,
    ChevronDown,
    ChevronLeft,
    ChevronRight,
    Plus,
    Copy,
    Key,
    Building,
    User,
    Search,
    Send,
    Paperclip,
    Note,
    Check,
    CheckDouble,
    Clock,
    Alert,
    Flag,
    Tag,
    Smile,
    Contact,
    Channel,
    Layers,
    Bolt,
    List,
    Bell,
    Reply,
    Mail,
    Chart,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Icon::Mail => "M3 6h18v12H3zM3 7l9 6 9-6",
            Icon::Chart => "M3 3v18h18M8 17v-5M13 17V8M18 17v-9",
            Icon::Inbox => "M3 13h4l2 3h6l2-3h4M5 5h14l2 8v6H3v-6z",
            Icon::Users => "M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M9.5 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6M21 19v-1a4 4 0 0 0-3-3.9M15.5 4.1a3 3 0 0 1 0 5.8",
            Icon::Settings => "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-2.9 1.2V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-2.9-1.2l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1A1.7 1.7 0 0 0 3 14H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.2-2.9l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1A1.7 1.7 0 0 0 10 3V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 2.9 1.2l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1A1.7 1.7 0 0 0 21 10h.1a2 2 0 1 1 0 4H21a1.7 1.7 0 0 0-1.6 1",
            Icon::Shield => "M12 3l8 3v6c0 4.5-3.4 8.2-8 9-4.6-.8-8-4.5-8-9V6zM9 12l2 2 4-4",
            Icon::Menu => "M4 6h16M4 12h16M4 18h16",
            Icon::Close => "M6 6l12 12M18 6L6 18",
            Icon::Sun => "M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10M12 1v2M12 21v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M1 12h2M21 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4",
            Icon::Moon => "M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z",
            Icon::Monitor => "M3 4h18v12H3zM8 20h8M12 16v4",
            Icon::Globe => "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18M3 12h18M12 3a14 14 0 0 1 0 18M12 3a14 14 0 0 0 0 18",
            Icon::Logout => "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9",
            Icon::ChevronDown => "M6 9l6 6 6-6",
            Icon::ChevronLeft => "M15 18l-6-6 6-6",
            Icon::ChevronRight => "M9 18l6-6-6-6",
            Icon::Plus => "M12 5v14M5 12h14",
            Icon::Copy => "M9 9h11v11H9zM5 15H4V4h11v1",
            Icon::Reply => "M9 14L4 9l5-5M4 9h10a6 6 0 0 1 6 6v5",
            Icon::Key => "M15 7a4 4 0 1 1-3.9 5H3v3h3v3h3v-3h2.1A4 4 0 0 1 15 7M16 11h.01",
            Icon::Building => "M4 21V5l8-2v18M12 9h8v12M8 8h.01M8 12h.01M8 16h.01M16 13h.01M16 17h.01M2 21h20",
            Icon::User => "M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8",
            Icon::Search => "M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16M21 21l-4.3-4.3",
            Icon::Send => "M22 2L11 13M22 2l-7 20-4-9-9-4z",
            Icon::Paperclip => "M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7",
            Icon::Note => "M4 4h16v12l-4 4H4zM16 20v-4h4M8 9h8M8 13h5",
            Icon::Check => "M5 12l5 5L20 7",
            Icon::CheckDouble => "M2 12l5 5L17 7M11 16l1 1L22 7",
            Icon::Clock => "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18M12 7v5l3 2",
            Icon::Alert => "M12 9v4M12 17h.01M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0",
            Icon::Flag => "M4 22V4M4 4h12l-2 4 2 4H4",
            Icon::Tag => "M20.6 13.4L13.4 20.6a2 2 0 0 1-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8M7.5 7.5h.01",
            Icon::Smile => "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18M8 14s1.5 2 4 2 4-2 4-2M9 9h.01M15 9h.01",
            Icon::Contact => "M4 4h16v16H4zM12 12a3 3 0 1 0 0-6 3 3 0 0 0 0 6M7 18a5 5 0 0 1 10 0",
            Icon::Channel => "M21 12a9 9 0 0 1-13.3 7.9L3 21l1.1-4.7A9 9 0 1 1 21 12",
            Icon::Layers => "M12 2l10 5-10 5L2 7zM2 17l10 5 10-5M2 12l10 5 10-5",
            Icon::Bolt => "M13 2L3 14h9l-1 8 10-12h-9z",
            Icon::List => "M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01",
            Icon::Bell => "M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0",
        }
    }
}

#[component]
pub fn Svg(icon: Icon, #[prop(default = "size-5")] class: &'static str) -> impl IntoView {
    view! {
        <svg
            class=class
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            <path d=icon.path()></path>
        </svg>
    }
}
