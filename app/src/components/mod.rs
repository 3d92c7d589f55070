pub mod form;
pub mod icons;
pub mod layout;
