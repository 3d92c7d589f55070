pub mod attention;
pub mod form;
pub mod icons;
pub mod layout;
pub mod toast;
pub mod widgets;
