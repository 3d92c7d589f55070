//! Every user-facing string, in Brazilian Portuguese and English.
//!
//! Each language is one value of [`Strings`], so a string missing from a
//! language is a compile error, not a blank on screen. Enumerations (roles,
//! error codes, audit actions) are translated by exhaustive `match`es.

mod en;
mod pt_br;

use shared::audit::AuditAction;
use shared::{AppError, ErrorCode, Locale, Role};

pub use strings::Strings;

pub fn strings(locale: Locale) -> &'static Strings {
    match locale {
        Locale::PtBr => &pt_br::STRINGS,
        Locale::En => &en::STRINGS,
    }
}

impl Strings {
    /// Words for an error from a server function.
    pub fn error(&self, err: &AppError) -> String {
        match err {
            AppError::Validation { fields } if fields.len() == 1 => {
                (self.error_code)(fields[0].code).to_string()
            }
            AppError::Validation { .. } => self.err_validation.to_string(),
            AppError::InvalidCredentials => self.err_invalid_credentials.to_string(),
            AppError::RateLimited { retry_after_secs } => {
                (self.err_rate_limited)(retry_after_secs.div_ceil(60))
            }
            AppError::Unauthorized => self.err_unauthorized.to_string(),
            AppError::Forbidden => self.err_forbidden.to_string(),
            AppError::NotFound => self.err_not_found.to_string(),
            AppError::Conflict { reason } => (self.conflict)(reason).to_string(),
            AppError::LinkExpired => self.err_link_expired.to_string(),
            AppError::Deactivated => self.err_deactivated.to_string(),
            AppError::Internal { reference } => (self.err_internal)(reference),
            AppError::Transport { .. } => self.err_transport.to_string(),
        }
    }

    pub fn audit_action_label(&self, stored: &str) -> String {
        stored
            .parse::<AuditAction>()
            .map(|a| (self.audit_action)(a).to_string())
            .unwrap_or_else(|_| stored.to_string())
    }

    pub fn role_label(&self, role: Role) -> &'static str {
        (self.role_name)(role)
    }

    pub fn code(&self, code: ErrorCode) -> &'static str {
        (self.error_code)(code)
    }
}

mod strings {
    use shared::audit::AuditAction;
    use shared::{ErrorCode, Role};

    macro_rules! strings_struct {
        ($($field:ident),* $(,)?) => {
            /// One language's strings. Field names say where they are used.
            pub struct Strings {
                $(pub $field: &'static str,)*
                pub role_name: fn(Role) -> &'static str,
                pub role_hint: fn(Role) -> &'static str,
                pub error_code: fn(ErrorCode) -> &'static str,
                pub audit_action: fn(AuditAction) -> &'static str,
                pub conflict: fn(&str) -> &'static str,
                pub err_rate_limited: fn(u64) -> String,
                pub err_internal: fn(&str) -> String,
                pub invite_title: fn(&str) -> String,
                pub invite_role_line: fn(&str) -> String,
                pub password_changed_n: fn(u64) -> String,
                pub sessions_ended_n: fn(u64) -> String,
                pub signed_in_as: fn(&str) -> String,
                pub shortcut_hint: fn(&str) -> String,
                pub count_conversations: fn(u64) -> String,
                pub waiting_for: fn(&str) -> String,
                pub typing_named: fn(&str) -> String,
                pub unread_n: fn(u64) -> String,
                pub conversation_number: fn(i64) -> String,
                pub uploading_pct: fn(u32) -> String,
                pub file_too_large_mb: fn(u32) -> String,
            }
        };
    }

    strings_struct!(
        app_name,
        tagline,
        loading,
        save,
        saving,
        saved,
        cancel,
        close,
        copy,
        copied,
        retry,
        back,
        search,
        load_more,
        nothing_here,
        actions,
        confirm,
        delete,
        edit,
        create,
        add,
        remove,
        yes,
        no,
        optional,
        never,
        all,
        apply,
        clear_filters,
        skip_to_content,
        page_not_found,
        go_home,
        // auth
        sign_in_title,
        sign_in_subtitle,
        sign_in,
        signing_in,
        sign_up,
        sign_up_title,
        sign_up_subtitle,
        creating_account,
        sign_out,
        email,
        password,
        name,
        your_name,
        company_name,
        slug,
        slug_hint,
        no_account,
        have_account,
        password_hint,
        // invitations
        accept_invite,
        invite_existing_hint,
        invite_new_hint,
        link_expired_title,
        // shell
        nav_inbox,
        nav_contacts,
        nav_settings,
        nav_audit,
        nav_account,
        nav_users,
        nav_profile,
        nav_api_tokens,
        nav_channels,
        nav_departments,
        nav_quick_replies,
        nav_attributes,
        menu,
        collapse_sidebar,
        expand_sidebar,
        switch_account,
        language,
        theme,
        theme_system,
        theme_light,
        theme_dark,
        user_menu,
        keyboard_shortcuts,
        // account settings
        account_settings_title,
        account_settings_subtitle,
        support_email,
        timezone,
        default_language,
        default_theme,
        attachment_limit_mb,
        // users
        users_title,
        users_subtitle,
        invite_user,
        invite,
        role,
        status,
        active,
        inactive,
        deactivate,
        reactivate,
        pending_invites,
        invite_link_ready,
        invite_link_hint,
        new_link,
        revoke,
        invited_by,
        expires,
        you,
        joined,
        no_pending_invites,
        confirm_deactivate,
        // profile
        profile_title,
        profile_subtitle,
        change_password,
        current_password,
        new_password,
        confirm_password,
        sign_out_elsewhere,
        language_auto,
        profile_saved,
        // API tokens
        tokens_title,
        tokens_subtitle,
        token_name,
        create_token,
        token_created_hint,
        last_used,
        tokens_empty,
        api_docs_hint,
        // audit
        audit_title,
        audit_subtitle,
        filter_person,
        filter_action,
        date_from,
        date_to,
        when,
        who,
        what,
        target,
        details,
        ip_address,
        audit_empty,
        anyone,
        any_action,
        // errors
        err_validation,
        err_invalid_credentials,
        err_unauthorized,
        err_forbidden,
        err_not_found,
        err_link_expired,
        err_deactivated,
        err_transport,
        err_offline,
    );
}
