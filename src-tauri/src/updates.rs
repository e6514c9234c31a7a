//! Signed updates through `tauri-plugin-updater`: asking the update server, then — only once the
//! cardholder said yes to that version — downloading the package, checking its minisign
//! signature and handing it to the installer.
//!
//! The public key and the update server come from `plugins.updater` in `tauri.conf.json`
//! (`requireSignedVersion` on: a signature names the version it was made for, so a tampered
//! manifest cannot pass an older signed release off as a newer one). `--update-url` or
//! `CONSENTRY_UPDATE_URL` replaces the server. Generic over the runtime, so the tests run it on
//! tauri's mock runtime against a loopback server, without a window.

use std::sync::Arc;
use std::time::Duration;

use consentry_api::desktop::{UpdateError, UpdateOffer};
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Error, Update, UpdaterExt};
use tokio::sync::Mutex;
use url::Url;

/// How long asking the update server may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// Installs a downloaded package whose signature was checked. The app's own installer hands it
/// to the updater (`dpkg`/`rpm` through `pkexec`, or the AppImage swap) and restarts.
pub type Installer = Arc<dyn Fn(&Update, Vec<u8>) -> Result<(), UpdateError> + Send + Sync>;

pub struct Updates<R: Runtime> {
    app: AppHandle<R>,
    /// Replaces the configured update server.
    endpoint: Option<Url>,
    /// The update the last check offered: the only one that may be installed.
    offered: Mutex<Option<Update>>,
    installer: Installer,
}

impl<R: Runtime> Updates<R> {
    pub fn new(app: AppHandle<R>, endpoint: Option<Url>, installer: Installer) -> Self {
        Self {
            app,
            endpoint,
            offered: Mutex::new(None),
            installer,
        }
    }

    /// Asks the update server for a version newer than this one. Downloads nothing.
    pub async fn check(&self) -> Result<Option<UpdateOffer>, UpdateError> {
        let mut builder = self.app.updater_builder().timeout(CHECK_TIMEOUT);
        if let Some(url) = &self.endpoint {
            builder = builder
                .endpoints(vec![url.clone()])
                .map_err(|e| classify(&e))?;
        }
        let updater = builder.build().map_err(|e| classify(&e))?;
        let found = updater.check().await.map_err(|e| classify(&e))?;
        let offer = found.as_ref().map(|update| {
            UpdateOffer::new(
                update.version.clone(),
                update.body.clone(),
                // As the manifest wrote it, once the updater read it as an RFC 3339 date.
                update
                    .date
                    .and(update.raw_json.get("pub_date"))
                    .and_then(|date| date.as_str())
                    .map(str::to_owned),
            )
        });
        *self.offered.lock().await = found;
        Ok(offer)
    }

    /// Downloads `version` — which must be the update last offered — checks its signature
    /// against the configured public key and hands it to the installer. A package that fails
    /// the check never reaches the installer.
    pub async fn install(&self, version: &str) -> Result<(), UpdateError> {
        let update = match &*self.offered.lock().await {
            Some(update) if update.version == version => update.clone(),
            _ => {
                return Err(UpdateError::NotOffered {
                    version: version.to_owned(),
                })
            }
        };
        // `download` checks the signature (and the version it was signed for) before it
        // returns the bytes.
        let bytes = update
            .download(|_, _| {}, || {})
            .await
            .map_err(|e| classify(&e))?;
        let installer = self.installer.clone();
        tauri::async_runtime::spawn_blocking(move || installer(&update, bytes))
            .await
            .map_err(|e| UpdateError::InstallFailed(e.to_string()))?
    }
}

/// The updater's errors as the cardholder's kinds of failure.
pub fn classify(error: &Error) -> UpdateError {
    let text = error.to_string();
    match error {
        Error::EmptyEndpoints => UpdateError::NotConfigured,
        Error::Minisign(_)
        | Error::Base64(_)
        | Error::SignatureUtf8(_)
        | Error::SignedVersionMismatch { .. }
        | Error::MissingSignedVersion => UpdateError::Unverified(text),
        Error::AuthenticationFailed
        | Error::DebInstallFailed
        | Error::PackageInstallFailed
        | Error::InvalidUpdaterFormat
        | Error::Io(_)
        | Error::TempDirNotFound
        | Error::TempDirNotOnSameMountPoint
        | Error::PreviousAppNotRestored(_)
        | Error::BinaryNotFoundInArchive
        | Error::FailedToDetermineExtractPath => UpdateError::InstallFailed(text),
        _ => UpdateError::Unavailable(text),
    }
}

/// The app's installer: only a copy installed from a package is replaced (a copy built from
/// source would be overwritten by whatever the server sent), then the app restarts into the
/// new version.
pub fn install_and_restart<R: Runtime>(app: AppHandle<R>) -> Installer {
    Arc::new(move |update: &Update, bytes: Vec<u8>| {
        if tauri::utils::platform::bundle_type().is_none() {
            return Err(UpdateError::InstallFailed(
                "this copy was built from source, not installed from a package: update it the \
                 way it was built"
                    .into(),
            ));
        }
        update.install(&bytes).map_err(|e| classify(&e))?;
        tracing::info!(version = %update.version, "update installed; restarting");
        app.restart()
    })
}
