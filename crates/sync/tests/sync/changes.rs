//! Consent changes made the way the app makes them: the domain decides the transition, then
//! `ledger::record` writes the ledger entry, the grant and the outbox row in one transaction.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use consentry_domain::{
    Channel, ConsentAction, ConsentChange, Grant, GrantDetails, GrantKey, Sha256Digest, Trigger,
};
use consentry_store::grants;
use consentry_store::ledger::{self, ChangeOrigin};
use consentry_sync::grant_id_for;

use crate::support::Device;

impl Device {
    /// The app's current terms (version, hash): from the wallet's cached directory when it
    /// is there (`Syncer::refresh_directory`), else from the platform.
    pub async fn terms(&self, app_id: &str) -> (u32, Sha256Digest) {
        if let Some(cached) = consentry_store::apps::get(&self.pool, app_id)
            .await
            .unwrap()
        {
            return (cached.listing.terms_version, cached.listing.terms_hash);
        }
        let apps = self.syncer.client().await.unwrap().apps().await.unwrap();
        let app = apps.iter().find(|a| a.id == app_id).unwrap();
        (app.terms_version, app.terms_hash)
    }

    pub async fn grant_of(&self, key: &GrantKey) -> Option<Grant> {
        grants::get(&self.pool, key).await.unwrap()
    }

    async fn record(
        &self,
        action: ConsentAction,
        next: &Grant,
        hash: Sha256Digest,
        now: DateTime<Utc>,
    ) {
        let change = ConsentChange::recording(action, next, self.name.clone(), hash);
        ledger::record(&self.pool, change, Some(next), ChangeOrigin::Local, now)
            .await
            .unwrap();
    }

    /// Grants (or grants again) `scope` of `app` on `card`, as the app does.
    pub async fn grant(&self, key: &GrantKey, channels: &[Channel], now: DateTime<Utc>) -> Grant {
        let (version, hash) = self.terms(&key.app_id).await;
        self.grant_with_terms(key, channels, version, hash, now)
            .await
    }

    pub async fn grant_with_terms(
        &self,
        key: &GrantKey,
        channels: &[Channel],
        terms_version: u32,
        hash: Sha256Digest,
        now: DateTime<Utc>,
    ) -> Grant {
        let details = GrantDetails {
            app_id: key.app_id.clone(),
            card_token: key.card_token.clone(),
            scope: key.scope,
            channels: channels.iter().copied().collect::<BTreeSet<_>>(),
            trigger: Trigger::Authorization,
            min_purchase: None,
            expires_at: None,
        };
        let next = match self.grant_of(key).await {
            None => Grant::new(grant_id_for(key), details, terms_version, now).unwrap(),
            Some(g) => g
                .regrant(g.id.clone(), details, terms_version, now)
                .unwrap(),
        };
        self.record(ConsentAction::Grant, &next, hash, now).await;
        next
    }

    /// Revokes, if the local state allows it. Returns whether a change was recorded.
    pub async fn revoke(&self, key: &GrantKey, now: DateTime<Utc>) -> bool {
        let Some(current) = self.grant_of(key).await else {
            return false;
        };
        let Ok(next) = current.revoke(now) else {
            return false;
        };
        let (_, hash) = self.terms(&key.app_id).await;
        self.record(ConsentAction::Revoke, &next, hash, now).await;
        true
    }

    /// Renews with a new expiry, if the local state allows it.
    pub async fn renew(
        &self,
        key: &GrantKey,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(current) = self.grant_of(key).await else {
            return false;
        };
        let Ok(next) = current.renew(expires_at, now) else {
            return false;
        };
        let (_, hash) = self.terms(&key.app_id).await;
        self.record(ConsentAction::Renew, &next, hash, now).await;
        true
    }
}
