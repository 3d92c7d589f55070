pub mod activity;
pub mod attention;
pub mod confirm_email;
pub mod form;
pub mod icons;
pub mod layout;
pub mod toast;
pub mod widgets;
