//! The wallet's language: the window's, told to the backend so that notifications, the
//! backend's dialogs and the platform's texts follow it. Every request to the platform says it
//! (`Accept-Language`): the platform serves the app directory in it and writes the texts of the
//! cardholder's events in it. The cached directory is read again when it was served in another
//! language, so that descriptions and terms — and the terms hash a grant signs — are the text
//! the cardholder reads.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{language, ApiError, Context};

/// A language of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    En,
    Fr,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct WalletLanguageRequest {
    pub language: Language,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WalletLanguage {
    pub language: Language,
    /// The app directory was read again in this language (reload what shows it). `false` when
    /// it already was in it, or the platform could not be reached (it is read in this language
    /// at the next refresh).
    pub directory_refreshed: bool,
}

/// `wallet_set_language`: the window's language becomes the wallet's.
pub async fn wallet_set_language(
    ctx: &Context,
    request: WalletLanguageRequest,
) -> Result<WalletLanguage, ApiError> {
    let pool = ctx.pool().await?;
    let directory_refreshed = language::apply(ctx, &pool, request.language.code()).await?;
    Ok(WalletLanguage {
        language: request.language,
        directory_refreshed,
    })
}
