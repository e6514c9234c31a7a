//! The platform's endpoints as typed calls: enrollment, keys, cards, apps, grants, the feed.
//! Every answer is parsed into a typed result; anything off-contract is a `bad_response`.

use std::time::Duration;

use consentry_domain::{CardNumber, Expiry, Grant};
use reqwest::header::{CONTENT_LANGUAGE, CONTENT_TYPE};
use reqwest::StatusCode;
use serde::Serialize;
use uuid::Uuid;

use crate::change::is_valid_grant_id;
use crate::client::{error_from, PlatformClient};
use crate::error::SyncError;
use crate::languages::Languages;
use crate::secret::{CardholderCredentials, CardholderSecret, DeviceToken};
use crate::wire::SigningKeyInfo;
use crate::wire::{
    self, AppList, Card, CardList, EnrollRequest, Enrollment, ErrorBody, Expiration, FeedItem,
    FeedPage, GrantList, KeyList, LinkedCard, PlatformApp, PlatformCard, RemoteGrant,
    RenameCardRequest,
};

/// Largest page the platform serves.
pub const MAX_PAGE: u32 = 500;
/// Longest long-poll the platform grants.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// What enrolling a device returned.
#[derive(Debug, Clone)]
pub struct EnrolledDevice {
    pub cardholder_id: String,
    /// Only when a new cardholder was created: keep it to enroll further devices.
    pub cardholder_secret: Option<CardholderSecret>,
    pub device_id: String,
    pub token: DeviceToken,
    pub signing_keys: Vec<SigningKeyInfo>,
}

/// The platform's answer to one consent change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// 200/201: the grant as it is now (changed, or already in the requested state).
    Applied {
        grant: Grant,
        /// `Idempotent-Replayed: true`: the stored answer of an earlier identical request.
        replayed: bool,
    },
    /// 409 about state: `version_conflict`, `invalid_transition`, `reconsent_required`,
    /// `not_due`, `idempotency_key_reused`.
    Refused {
        code: String,
        message: String,
        /// `None`: not said; `Some(None)`: the grant does not exist; `Some(Some(g))`: now `g`
        /// (with the signed change that produced it, when the platform has one).
        current: Option<Option<RemoteGrant>>,
        replayed: bool,
    },
}

// `consentry_wire::LinkCardRequest` as sent: the number stays borrowed, never copied into a
// JSON value that would outlive the zeroized request body.
#[derive(Serialize)]
struct LinkCardBody<'a> {
    number: &'a str,
    expiration: Expiration,
    nickname: Option<&'a str>,
}

pub(crate) fn expect_success(answer: &crate::client::Answer) -> Result<(), SyncError> {
    if answer.status.is_success() {
        Ok(())
    } else {
        Err(error_from(answer))
    }
}

impl PlatformClient {
    /// `POST /v1/enroll`: a new cardholder (no credentials) or one more device of an
    /// existing cardholder. Retried under one `Idempotency-Key` when the answer is lost.
    pub async fn enroll(
        &self,
        device_name: &str,
        existing: Option<&CardholderCredentials>,
    ) -> Result<EnrolledDevice, SyncError> {
        let name = device_name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(SyncError::invalid("device name", "1 to 80 characters"));
        }
        let body = EnrollRequest {
            device_name: name.to_owned(),
            cardholder_id: existing.map(|c| c.cardholder_id.clone()),
            cardholder_secret: existing.map(|c| c.secret.expose_secret().to_owned()),
        };
        let url = self.url("v1/enroll", &[])?;
        // A retry after a lost answer gets the same cardholder and device, not new ones.
        let answer = self
            .call_to_create(|| Ok(self.http.post(url.clone()).json(&body)))
            .await?;
        expect_success(&answer)?;
        let enrolled: Enrollment = answer.json("enrollment")?;
        if enrolled.token.is_empty() || enrolled.device_id.is_empty() {
            return Err(SyncError::bad_response(
                "the enrollment has no token or device id",
            ));
        }
        Ok(EnrolledDevice {
            cardholder_id: enrolled.cardholder_id,
            cardholder_secret: enrolled.cardholder_secret.map(CardholderSecret::new),
            device_id: enrolled.device_id,
            token: DeviceToken::new(enrolled.token),
            signing_keys: wire::signing_keys(enrolled.signing_keys)?,
        })
    }

    /// `GET /v1/keys`: the keys that sign the feed now (active, next, last retired).
    pub async fn signing_keys(&self) -> Result<Vec<SigningKeyInfo>, SyncError> {
        let url = self.url("v1/keys", &[])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        expect_success(&answer)?;
        let list: KeyList = answer.json("key list")?;
        wire::signing_keys(list.keys)
    }

    /// `POST /v1/cards`: tokenizes a card. The number is sent and forgotten. Retried under
    /// one `Idempotency-Key` when the answer is lost.
    pub async fn link_card(
        &self,
        number: &CardNumber,
        expiry: Expiry,
        nickname: Option<&str>,
    ) -> Result<LinkedCard, SyncError> {
        let body = LinkCardBody {
            number: number.expose_digits(),
            expiration: Expiration {
                month: expiry.month(),
                year: expiry.year(),
            },
            nickname,
        };
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(&body).map_err(|e| SyncError::Internal(e.to_string()))?,
        );
        let url = self.url("v1/cards", &[])?;
        // A retry after a lost answer gets the card the first attempt linked, as it answered.
        let answer = self
            .call_to_create(|| {
                Ok(self
                    .authed(self.http.post(url.clone()))?
                    .header(CONTENT_TYPE, "application/json")
                    .body(json.to_vec()))
            })
            .await?;
        expect_success(&answer)?;
        // 200: the cardholder had linked this number already (the platform keeps one token
        // per card per cardholder); 201: a new card.
        let already_linked = answer.status == reqwest::StatusCode::OK;
        Ok(LinkedCard {
            card: PlatformCard::try_from(answer.json::<Card>("card")?)?,
            already_linked,
        })
    }

    /// `GET /v1/cards`.
    pub async fn cards(&self) -> Result<Vec<PlatformCard>, SyncError> {
        let url = self.url("v1/cards", &[])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        expect_success(&answer)?;
        let list: CardList = answer.json("card list")?;
        list.cards.into_iter().map(PlatformCard::try_from).collect()
    }

    /// `PATCH /v1/cards/{token}`: the nickname every device of the cardholder shows.
    pub async fn rename_card(
        &self,
        token: &str,
        nickname: Option<&str>,
    ) -> Result<PlatformCard, SyncError> {
        let url = self.url("v1/cards", &[token])?;
        let body = RenameCardRequest {
            nickname: nickname.map(str::to_owned),
        };
        let answer = self
            .call(self.authed(self.http.patch(url))?.json(&body), None)
            .await?;
        expect_success(&answer)?;
        PlatformCard::try_from(answer.json::<Card>("card")?)
    }

    /// `DELETE /v1/cards/{token}`: the platform revokes the card's grants and unlinks it.
    pub async fn remove_card(&self, token: &str) -> Result<PlatformCard, SyncError> {
        let url = self.url("v1/cards", &[token])?;
        let answer = self.call(self.authed(self.http.delete(url))?, None).await?;
        expect_success(&answer)?;
        PlatformCard::try_from(answer.json::<Card>("card")?)
    }

    /// `GET /v1/apps`: the directory.
    pub async fn apps(&self) -> Result<Vec<PlatformApp>, SyncError> {
        let url = self.url("v1/apps", &[])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        expect_success(&answer)?;
        let list: AppList = answer.json("app list")?;
        // The language the platform says it answered in (a platform that says none: unknown).
        let language = answer
            .headers
            .get(CONTENT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map(|text| wire::language_tag(text.trim().to_owned()))
            .transpose()?;
        list.apps
            .into_iter()
            .map(|app| {
                let mut app = PlatformApp::try_from(app)?;
                app.language.clone_from(&language);
                Ok(app)
            })
            .collect()
    }

    /// `GET /v1/apps` in the language `code` (`en`, `fr`), whatever language this client's
    /// requests ask for otherwise (the demo reads an app's terms in each language it writes
    /// new ones in).
    pub async fn apps_in(&self, code: &str) -> Result<Vec<PlatformApp>, SyncError> {
        let mut client = self.clone();
        client.config.languages = Languages::default();
        client.config.languages.prefer(code);
        client.apps().await
    }

    /// `GET /v1/grants`: every grant of the cardholder, any status.
    pub async fn grants(&self) -> Result<Vec<Grant>, SyncError> {
        Ok(self
            .grants_with_changes()
            .await?
            .into_iter()
            .map(|g| g.grant)
            .collect())
    }

    /// `GET /v1/grants`, each grant with the device-signed change that produced it.
    pub async fn grants_with_changes(&self) -> Result<Vec<RemoteGrant>, SyncError> {
        let url = self.url("v1/grants", &[])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        expect_success(&answer)?;
        let list: GrantList = answer.json("grant list")?;
        list.grants
            .into_iter()
            .map(wire::remote_grant_from)
            .collect()
    }

    /// `PUT /v1/grants/{grant_id}` with `body` sent byte for byte (a retry must send exactly
    /// what the first attempt sent, or the platform answers `idempotency_key_reused`).
    pub async fn put_grant(
        &self,
        grant_id: &str,
        idempotency_key: Uuid,
        body: &str,
    ) -> Result<PutOutcome, SyncError> {
        if !is_valid_grant_id(grant_id) {
            return Err(SyncError::invalid(
                "grant id",
                "1 to 64 of A-Z a-z 0-9 . _ : -",
            ));
        }
        let url = self.url("v1/grants", &[grant_id])?;
        let request = self
            .authed(self.http.put(url))?
            .header("Idempotency-Key", idempotency_key.to_string())
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned());
        let answer = self.call(request, None).await?;
        let replayed = answer
            .headers
            .get("idempotent-replayed")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        if answer.status.is_success() {
            let value: serde_json::Value = answer.json("grant")?;
            let grant = wire::grant_from(value)?;
            if grant.id != grant_id {
                return Err(SyncError::bad_response(
                    "the platform answered about another grant",
                ));
            }
            return Ok(PutOutcome::Applied { grant, replayed });
        }
        if answer.status == StatusCode::CONFLICT {
            if let Ok(error) = serde_json::from_slice::<ErrorBody>(&answer.body) {
                let current = match error.current {
                    None => None,
                    Some(None) => Some(None),
                    Some(Some(value)) => Some(Some(wire::remote_grant_from(value)?)),
                };
                return Ok(PutOutcome::Refused {
                    code: error.code,
                    message: error.message,
                    current,
                    replayed,
                });
            }
        }
        Err(error_from(&answer))
    }

    /// `GET /v1/events?after=&limit=&wait=`: one page of the signed feed, long-polling up to
    /// `wait` when there is nothing new.
    pub async fn events(
        &self,
        after: u64,
        limit: u32,
        wait: Duration,
    ) -> Result<FeedPage, SyncError> {
        let wait = wait.min(MAX_WAIT);
        let mut url = self.url("v1/events", &[])?;
        url.query_pairs_mut()
            .append_pair("after", &after.to_string())
            .append_pair("limit", &limit.clamp(1, MAX_PAGE).to_string())
            .append_pair("wait", &wait.as_secs().to_string());
        let timeout = self.config.request_timeout + wait;
        let answer = self
            .call(self.authed(self.http.get(url))?, Some(timeout))
            .await?;
        expect_success(&answer)?;
        wire::parse_feed_page(&answer.body)
    }

    /// `GET /v1/events/{id}`: one event, freshly signed (for a delivery that failed its checks).
    /// `Ok(None)` when the platform does not know it.
    pub async fn event(&self, id: &str) -> Result<Option<FeedItem>, SyncError> {
        let url = self.url("v1/events", &[id])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        expect_success(&answer)?;
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or_else(|| SyncError::bad_response(format!("the event has no {name} header")))
        };
        let timestamp = header("webhook-timestamp")?
            .parse::<i64>()
            .map_err(|_| SyncError::bad_response("webhook-timestamp is not a number"))?;
        Ok(Some(FeedItem {
            id: header("webhook-id")?,
            cursor: 0,
            timestamp,
            signature: header("webhook-signature")?,
            body: String::from_utf8(answer.body)
                .map_err(|_| SyncError::bad_response("the event body is not UTF-8"))?,
        }))
    }
}
