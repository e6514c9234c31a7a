//! A consent proof: what lets an app or a regulator check, offline, that the cardholder's own
//! devices made each consent change — the device chain and every signed change the wallet
//! holds (`consentry export-consent`, checked by `consentry verify-consent`).
//!
//! Checks: the chain verifies from its first device; every change is signed by a device of
//! the chain; per grant, the changes build on strictly increasing platform versions (two
//! signed changes on the same version would be a device contradicting itself, or a forgery).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ConsentAction, DeviceChain, DeviceLink, Scope, SignedConsent};

/// The format tag of a proof document.
pub const CONSENT_PROOF_FORMAT: &str = "consentry.consent-proof.v1";

/// The document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentProof {
    /// [`CONSENT_PROOF_FORMAT`].
    pub format: String,
    pub cardholder_id: String,
    pub device_chain: Vec<DeviceLink>,
    /// In the order the wallet recorded them.
    pub changes: Vec<SignedConsent>,
}

/// The verdict on one grant's changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantProof {
    pub grant_id: String,
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    /// Signed changes found for it.
    pub changes: usize,
    /// The last one's action.
    pub last_action: ConsentAction,
    /// `None` when every change verifies; else what is wrong (the first problem).
    pub problem: Option<String>,
}

/// The verdict on a whole proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofReport {
    /// Devices in the chain (when it verifies).
    pub devices: usize,
    /// What is wrong with the chain, if anything (then no change can verify).
    pub chain_problem: Option<String>,
    pub grants: Vec<GrantProof>,
}

impl ProofReport {
    /// Everything verifies.
    pub fn is_valid(&self) -> bool {
        self.chain_problem.is_none() && self.grants.iter().all(|g| g.problem.is_none())
    }
}

impl ConsentProof {
    /// Checks the chain, every signature, and each grant's sequence of versions.
    pub fn verify(&self) -> ProofReport {
        let chain = if self.format == CONSENT_PROOF_FORMAT {
            DeviceChain::verify(&self.device_chain, &self.cardholder_id).map_err(|e| e.to_string())
        } else {
            Err(format!("unknown format {:?}", self.format))
        };
        let (devices, chain_problem, keys) = match chain {
            Ok(chain) => (chain.keys.len(), None, chain.keys),
            Err(problem) => (0, Some(problem), BTreeMap::new()),
        };
        let mut by_grant: BTreeMap<&str, Vec<&SignedConsent>> = BTreeMap::new();
        for change in &self.changes {
            by_grant
                .entry(change.statement.grant_id.as_str())
                .or_default()
                .push(change);
        }
        let grants = by_grant
            .into_iter()
            .filter_map(|(grant_id, mut changes)| {
                changes.sort_by_key(|c| c.statement.base_version);
                let last = changes.last()?;
                let first = changes.first()?;
                let mut problem = None;
                for pair in changes.windows(2) {
                    if pair[0].statement.base_version == pair[1].statement.base_version {
                        problem = Some(format!(
                            "two signed changes build on version {}",
                            pair[0].statement.base_version
                        ));
                    }
                }
                for change in &changes {
                    let key = (&change.statement.app_id, &change.statement.card_token);
                    if key != (&first.statement.app_id, &first.statement.card_token)
                        || change.statement.scope != first.statement.scope
                    {
                        problem.get_or_insert_with(|| {
                            "its changes name different apps, cards or scopes".to_owned()
                        });
                    }
                    if let Err(e) = change.verify(&keys) {
                        problem.get_or_insert_with(|| {
                            format!(
                                "the change on version {} does not verify: {e}",
                                change.statement.base_version
                            )
                        });
                    }
                }
                Some(GrantProof {
                    grant_id: grant_id.to_owned(),
                    app_id: first.statement.app_id.clone(),
                    card_token: first.statement.card_token.clone(),
                    scope: first.statement.scope,
                    changes: changes.len(),
                    last_action: last.statement.action,
                    problem,
                })
            })
            .collect();
        ProofReport {
            devices,
            chain_problem,
            grants,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Channel, ConsentStatement, DeviceKey, Sha256Digest, Trigger};
    use chrono::{TimeZone as _, Utc};

    fn change(key: &DeviceKey, device: &str, action: ConsentAction, base: u64) -> SignedConsent {
        ConsentStatement {
            grant_id: "grt_a".into(),
            action,
            app_id: "app_quire".into(),
            card_token: "tok_card".into(),
            scope: Scope::Receipts,
            channels: [Channel::Card].into_iter().collect(),
            trigger: Trigger::Authorization,
            min_purchase: None,
            expires_at: None,
            terms_version: 1,
            terms_hash: Sha256Digest::ZERO,
            base_version: base,
            at: Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap(),
            device_id: device.into(),
        }
        .sign(key)
        .unwrap()
    }

    #[test]
    fn a_proof_verifies_offline_and_a_tampered_one_does_not() {
        let (a, b) = (
            DeviceKey::from_seed(&[1; 32]),
            DeviceKey::from_seed(&[2; 32]),
        );
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let chain = vec![
            DeviceLink::root("ch_1", "dev_a", &a, at).unwrap(),
            DeviceLink::vouch("ch_1", "dev_b", &b.public_key(), "dev_a", &a, at).unwrap(),
        ];
        let mut proof = ConsentProof {
            format: CONSENT_PROOF_FORMAT.into(),
            cardholder_id: "ch_1".into(),
            device_chain: chain,
            changes: vec![
                change(&a, "dev_a", ConsentAction::Grant, 0),
                change(&b, "dev_b", ConsentAction::Revoke, 1),
            ],
        };
        let report = proof.verify();
        assert!(report.is_valid(), "{report:?}");
        assert_eq!(report.devices, 2);
        assert_eq!(report.grants[0].changes, 2);
        assert_eq!(report.grants[0].last_action, ConsentAction::Revoke);

        // The platform turns the revoke back into a grant.
        proof.changes[1].statement.action = ConsentAction::Grant;
        assert!(!proof.verify().is_valid());
        proof.changes[1] = change(&b, "dev_b", ConsentAction::Revoke, 1);
        // A second change on the same version (signed by a key outside the chain).
        proof.changes.push(change(
            &DeviceKey::from_seed(&[9; 32]),
            "dev_x",
            ConsentAction::Grant,
            1,
        ));
        let report = proof.verify();
        assert!(report.grants[0].problem.is_some(), "{report:?}");
        // A chain for another cardholder.
        proof.cardholder_id = "ch_2".into();
        assert!(proof.verify().chain_problem.is_some());
    }
}
