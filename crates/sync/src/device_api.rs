//! The platform's device chain and pairing endpoints (`/v1/devices/…`): it stores and relays
//! the links the cardholder's devices sign, and the pairing requests of new devices; it can
//! verify links but never make one.

use consentry_domain::DeviceLink;

use crate::client::PlatformClient;
use crate::error::SyncError;
use crate::wire::{DeviceChain, PairingBody, PairingList, PairingRequest};

/// A device of the cardholder as the platform lists it (its name made safe to show).
pub type PlatformDevice = consentry_wire::DeviceInfo;

fn shown(mut list: consentry_wire::DeviceList) -> Vec<PlatformDevice> {
    for device in &mut list.devices {
        device.name = consentry_domain::neutralize(&device.name).into_owned();
    }
    list.devices
}

impl PlatformClient {
    /// `GET /v1/devices`: every device of the cardholder, removed ones included.
    pub async fn devices(&self) -> Result<Vec<PlatformDevice>, SyncError> {
        let url = self.url("v1/devices", &[])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        crate::platform_api::expect_success(&answer)?;
        Ok(shown(answer.json("device list")?))
    }

    /// `DELETE /v1/devices/{device_id}`: removes another device; the list as it now is.
    pub async fn remove_device(&self, device_id: &str) -> Result<Vec<PlatformDevice>, SyncError> {
        let url = self.url("v1/devices", &[device_id])?;
        let answer = self.call(self.authed(self.http.delete(url))?, None).await?;
        crate::platform_api::expect_success(&answer)?;
        Ok(shown(answer.json("device list")?))
    }

    /// `GET /v1/devices/chain`: the links in the order they were added.
    pub async fn device_chain(&self) -> Result<Vec<DeviceLink>, SyncError> {
        let url = self.url("v1/devices/chain", &[])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        crate::platform_api::expect_success(&answer)?;
        Ok(answer.json::<DeviceChain>("device chain")?.links)
    }

    /// `POST /v1/devices/chain`: adds a link (this device's root, or one it vouches for).
    pub async fn add_device_link(&self, link: &DeviceLink) -> Result<Vec<DeviceLink>, SyncError> {
        let url = self.url("v1/devices/chain", &[])?;
        let answer = self
            .call(self.authed(self.http.post(url))?.json(link), None)
            .await?;
        crate::platform_api::expect_success(&answer)?;
        Ok(answer.json::<DeviceChain>("device chain")?.links)
    }

    /// `POST /v1/devices/pairings`: this (new) device's key and its proof of the pairing code.
    pub async fn request_pairing(&self, public_key: &str, proof: &str) -> Result<(), SyncError> {
        let url = self.url("v1/devices/pairings", &[])?;
        let body = PairingBody {
            public_key: public_key.to_owned(),
            proof: proof.to_owned(),
        };
        let answer = self
            .call(self.authed(self.http.post(url))?.json(&body), None)
            .await?;
        crate::platform_api::expect_success(&answer)
    }

    /// `GET /v1/devices/pairings`: devices of the cardholder waiting to be vouched for.
    pub async fn pairings(&self) -> Result<Vec<PairingRequest>, SyncError> {
        let url = self.url("v1/devices/pairings", &[])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        crate::platform_api::expect_success(&answer)?;
        Ok(answer.json::<PairingList>("pairing list")?.pairings)
    }
}
