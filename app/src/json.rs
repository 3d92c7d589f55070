//! One JSON reader for the whole browser bundle.
//!
//! serde_json compiles a type's deserializer once per input reader: server
//! functions decode their responses from bytes (`from_slice`), while Leptos's
//! default resource codec and `from_str` read from a `&str`. Every type the
//! browser received both ways was compiled twice into the wasm. Resources made
//! with [`json_resource`] and decodes through [`decode`] read bytes too, so each
//! type's deserializer exists once. (`clippy.toml` in this crate forbids the
//! `&str` paths so new code cannot bring the copies back.)

use leptos::prelude::Resource;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// The resource codec: JSON written as text, read back as bytes.
pub struct BytesJson;

impl<T: Serialize> Encoder<T> for BytesJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for BytesJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        decode(text)
    }
}

/// A resource whose value the server hands to the browser as JSON.
pub type JsonResource<T> = Resource<T, BytesJson>;

/// `Resource::new`, with the bundle's one JSON reader.
#[track_caller]
pub fn json_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// Parses JSON text the way server function responses are parsed.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_slice(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::AppError;

    #[test]
    fn a_resource_value_comes_back_as_it_was_sent_errors_included() {
        let sent: Result<Vec<String>, AppError> = Err(AppError::RateLimited {
            retry_after_secs: 90,
        });
        let text = <BytesJson as Encoder<_>>::encode(&sent).unwrap();
        let back: Result<Vec<String>, AppError> = <BytesJson as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, sent);

        let ok: Result<Vec<String>, AppError> = Ok(vec!["olá".into(), "\"quoted\"".into()]);
        let text = <BytesJson as Encoder<_>>::encode(&ok).unwrap();
        assert_eq!(<BytesJson as Decoder<_>>::decode(&text).ok(), Some(ok));
    }

    #[test]
    fn malformed_text_is_an_error_not_a_value() {
        assert!(decode::<Vec<String>>("[\"unterminated").is_err());
        assert!(decode::<Vec<String>>("{\"not\": \"a list\"}").is_err());
        assert_eq!(decode::<Vec<String>>("[]").ok(), Some(vec![]));
    }
}
