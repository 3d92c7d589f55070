//! What a file is, judged from its bytes (never from its name or what the
//! browser claims), and whether we accept it.

use shared::inbox::ContentType;

/// How many leading bytes the sniffing looks at.
pub const HEAD_BYTES: usize = 8192;

/// Types accepted, by the MIME type sniffed from the content. HTML, SVG,
/// scripts and executables are refused: served back, they could run.
const ALLOWED: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "audio/mpeg",
    "audio/ogg",
    "audio/x-wav",
    "audio/wav",
    "audio/aac",
    "audio/m4a",
    "audio/x-m4a",
    "audio/x-flac",
    "audio/webm",
    "audio/opus",
    "audio/amr",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "video/x-matroska",
    "video/3gpp",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-ole-storage",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/rtf",
    "text/plain",
];

/// The MIME type of a file from its first bytes (`head`, up to
/// [`HEAD_BYTES`]).
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(head) {
        return Some(kind.mime_type());
    }
    // Plain text: valid UTF-8 (a character cut at the end of the head is
    // fine), no NULs, and not markup a browser could render.
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(err) if err.error_len().is_none() && head.len() >= HEAD_BYTES => {
            std::str::from_utf8(&head[..err.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let looks_like_markup = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<');
    (!text.contains('\0') && !looks_like_markup).then_some("text/plain")
}

/// The sniffed type if it is one we accept, else `None`.
pub fn accepted_type(bytes: &[u8]) -> Option<&'static str> {
    sniff(bytes).filter(|mime| ALLOWED.contains(mime))
}

pub fn content_type_of(mime: &str) -> ContentType {
    match mime.split('/').next() {
        Some("image") => ContentType::Image,
        Some("audio") => ContentType::Audio,
        Some("video") => ContentType::Video,
        _ => ContentType::File,
    }
}

/// A file name without paths or control characters, at most 200 chars.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R',
        ];
        assert_eq!(accepted_type(&png), Some("image/png"));
        assert_eq!(accepted_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            accepted_type("olá, tudo bem?".as_bytes()),
            Some("text/plain")
        );
    }

    #[test]
    fn markup_binaries_and_executables_are_refused() {
        assert_eq!(accepted_type(b"<html><script>alert(1)</script>"), None);
        assert_eq!(accepted_type(b"  <svg onload=alert(1)>"), None);
        assert_eq!(accepted_type(&[0xff, 0x00, 0xfe, 0x01]), None);
        let mut elf = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        elf.resize(128, 0);
        assert_eq!(accepted_type(&elf), None);
        let mut exe = b"MZ".to_vec();
        exe.resize(128, 0);
        assert_eq!(accepted_type(&exe), None);
    }

    #[test]
    fn a_character_cut_at_the_end_of_the_head_is_still_text() {
        let mut head = "a".repeat(HEAD_BYTES - 1).into_bytes();
        head.push("é".as_bytes()[0]);
        assert_eq!(accepted_type(&head), Some("text/plain"));
    }
}
