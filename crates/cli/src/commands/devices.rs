//! `consentry devices [list|remove ID]`: the cardholder's devices, and removing a lost one.

use consentry_api::{DeviceList, DeviceRemoveRequest, DevicesListRequest};

use super::Run;
use crate::exit::CliError;

#[derive(Debug, clap::Subcommand)]
pub enum DevicesCommand {
    /// Every device of the cardholder, removed ones included (the default).
    List,
    /// Remove another device (lost, sold): the platform and your other devices refuse its
    /// changes from now on. It cannot be undone; the device joins again to come back.
    Remove {
        /// The device's id (see `devices list`).
        id: String,
    },
}

/// `consentry devices [list|remove ID]`.
pub async fn devices(run: &Run<'_>, command: Option<DevicesCommand>) -> Result<(), CliError> {
    let list = run
        .with_wallet(None, async |ctx| {
            Ok(match command.unwrap_or(DevicesCommand::List) {
                DevicesCommand::List => {
                    consentry_api::devices_list(ctx, DevicesListRequest {}).await?
                }
                DevicesCommand::Remove { id } => {
                    consentry_api::device_remove(ctx, DeviceRemoveRequest { device_id: id }).await?
                }
            })
        })
        .await?;
    run.show(&list, devices_text)
}

fn devices_text(list: &DeviceList) -> String {
    let mut text = String::from("id\tname\tenrolled\tstate\n");
    for d in &list.devices {
        let state = match (d.this_device, d.removed_at) {
            (_, Some(at)) => format!("removed {}", at.to_rfc3339()),
            (true, None) => "this device".to_owned(),
            (false, None) => "active".to_owned(),
        };
        text.push_str(&format!(
            "{}\t{}\t{}\t{state}\n",
            d.device_id,
            d.name,
            d.enrolled_at.to_rfc3339()
        ));
    }
    text
}
