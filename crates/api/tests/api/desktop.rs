//! Desktop settings (tray, login, update checks) and the update commands, against a scripted
//! desktop: whether closing the window hides or quits, where the choices are kept, and that an
//! update is installed only by name, never by a check.

use std::sync::Mutex;

use consentry_api::desktop::{
    desktop_settings_get, desktop_settings_set, keeps_running_in_tray, update_check,
    update_install, Desktop, DesktopSettingsGetRequest, DesktopSettingsSetRequest, NoDesktop,
    UpdateCheckRequest, UpdateError, UpdateInstallRequest, UpdateOffer, SETTINGS_FILE,
};
use consentry_api::native::NativeFuture;
use consentry_api::{
    notification_prefs_set, wallet_lock, ContextOptions, ErrorCode, NotificationPrefsSetRequest,
    WalletLockRequest,
};

use crate::wallet_fixtures::{apps, listing, Arc, Context, Utc, COFFEE_APP, RECEIPTS_APP};

/// A desktop whose answers a test sets, and which remembers what it was asked to do.
#[derive(Default)]
struct FakeDesktop {
    tray: Mutex<bool>,
    login: Mutex<Option<bool>>,
    packaged: bool,
    offer: Mutex<Option<Result<Option<UpdateOffer>, UpdateError>>>,
    checks: Mutex<u32>,
    installs: Mutex<Vec<String>>,
}

impl Desktop for FakeDesktop {
    fn tray_available(&self) -> NativeFuture<'_, bool> {
        Box::pin(async { *self.tray.lock().unwrap() })
    }

    fn start_at_login(&self) -> Option<Result<bool, String>> {
        self.login.lock().unwrap().map(Ok)
    }

    fn set_start_at_login(&self, on: bool) -> Result<(), String> {
        *self.login.lock().unwrap() = Some(on);
        Ok(())
    }

    fn installed_from_package(&self) -> bool {
        self.packaged
    }

    fn check_update(&self) -> NativeFuture<'_, Result<Option<UpdateOffer>, UpdateError>> {
        Box::pin(async {
            *self.checks.lock().unwrap() += 1;
            self.offer.lock().unwrap().clone().unwrap_or(Ok(None))
        })
    }

    fn install_update(&self, version: String) -> NativeFuture<'_, Result<(), UpdateError>> {
        Box::pin(async move {
            self.installs.lock().unwrap().push(version.clone());
            match &*self.offer.lock().unwrap() {
                Some(Ok(Some(offer))) if offer.version == version => Ok(()),
                _ => Err(UpdateError::NotOffered { version }),
            }
        })
    }
}

/// A context over a new unlocked wallet with two apps, on `desktop`.
async fn desktop_wallet(dir: &std::path::Path, desktop: Arc<FakeDesktop>) -> Context {
    let (ctx, pool) = crate::support::new_wallet_with(dir, |options| {
        options.version = "1.0.0".into();
        options.desktop = desktop;
    })
    .await;
    for (id, name) in [(RECEIPTS_APP, "PaperLess"), (COFFEE_APP, "Bean Counter")] {
        apps::upsert(&pool, &listing(id, name), Utc::now())
            .await
            .unwrap();
    }
    ctx
}

fn with_tray() -> Arc<FakeDesktop> {
    let desktop = FakeDesktop::default();
    *desktop.tray.lock().unwrap() = true;
    *desktop.login.lock().unwrap() = Some(false);
    Arc::new(desktop)
}

async fn notify(ctx: &Context, app: &str, enabled: bool) {
    let request = NotificationPrefsSetRequest {
        app_id: Some(app.into()),
        enabled: Some(enabled),
        locale: None,
    };
    notification_prefs_set(ctx, request).await.unwrap();
}

fn set(keep: Option<bool>, login: Option<bool>, check: Option<bool>) -> DesktopSettingsSetRequest {
    DesktopSettingsSetRequest {
        keep_in_tray: keep,
        start_at_login: login,
        check_for_updates: check,
    }
}

#[tokio::test]
async fn closing_keeps_running_in_the_tray_by_default_only_while_notifications_are_on() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = with_tray();
    let ctx = desktop_wallet(dir.path(), desktop.clone()).await;
    assert!(keeps_running_in_tray(&ctx).await);

    // One app still notifies: keep running. Both off: nothing to wait for, closing quits.
    notify(&ctx, COFFEE_APP, false).await;
    assert!(keeps_running_in_tray(&ctx).await);
    notify(&ctx, RECEIPTS_APP, false).await;
    assert!(!keeps_running_in_tray(&ctx).await);
    let settings = desktop_settings_get(&ctx, DesktopSettingsGetRequest {})
        .await
        .unwrap();
    assert!(!settings.keep_in_tray);
    assert!(settings.tray_available);

    // The cardholder's choice wins over the default, both ways.
    let on = desktop_settings_set(&ctx, set(Some(true), None, None))
        .await
        .unwrap();
    assert!(on.keep_in_tray);
    assert!(keeps_running_in_tray(&ctx).await);
    notify(&ctx, RECEIPTS_APP, true).await;
    desktop_settings_set(&ctx, set(Some(false), None, None))
        .await
        .unwrap();
    assert!(!keeps_running_in_tray(&ctx).await);

    // No tray (a bare X server, GNOME without the extension): closing always quits.
    desktop_settings_set(&ctx, set(Some(true), None, None))
        .await
        .unwrap();
    *desktop.tray.lock().unwrap() = false;
    assert!(!keeps_running_in_tray(&ctx).await);
    let settings = desktop_settings_get(&ctx, DesktopSettingsGetRequest {})
        .await
        .unwrap();
    assert!(!settings.tray_available);
}

#[tokio::test]
async fn a_locked_wallet_keeps_the_default_and_the_choice_outlives_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = desktop_wallet(dir.path(), with_tray()).await;
    notify(&ctx, COFFEE_APP, false).await;
    notify(&ctx, RECEIPTS_APP, false).await;
    assert!(!keeps_running_in_tray(&ctx).await);
    // Locked, the switches cannot be read: the default (notifications on) stands for them.
    wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
    assert!(keeps_running_in_tray(&ctx).await);

    // An explicit choice is kept beside the wallet, read while locked, and by the next start.
    desktop_settings_set(&ctx, set(Some(false), None, Some(false)))
        .await
        .unwrap();
    assert!(!keeps_running_in_tray(&ctx).await);
    let text = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).unwrap();
    let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        stored,
        serde_json::json!({"keepInTray": false, "checkForUpdates": false})
    );
    let mut options = ContextOptions::new(dir.path().to_path_buf(), "1.0.0");
    options.desktop = with_tray();
    let next = Context::new(options);
    assert!(!keeps_running_in_tray(&next).await);
    let settings = desktop_settings_get(&next, DesktopSettingsGetRequest {})
        .await
        .unwrap();
    assert!(!settings.check_for_updates);

    // A damaged file reads as no choice made; the next change writes a whole one.
    std::fs::write(dir.path().join(SETTINGS_FILE), b"{\"keepInTray\": fal").unwrap();
    assert!(keeps_running_in_tray(&next).await);
    desktop_settings_set(&next, set(None, None, Some(true)))
        .await
        .unwrap();
    let text = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).unwrap();
    let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(stored, serde_json::json!({"checkForUpdates": true}));
}

#[tokio::test]
async fn start_at_login_goes_through_the_desktop_and_is_refused_where_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = with_tray();
    let ctx = desktop_wallet(dir.path(), desktop.clone()).await;
    let on = desktop_settings_set(&ctx, set(None, Some(true), None))
        .await
        .unwrap();
    assert_eq!(on.start_at_login, Some(true));
    assert_eq!(*desktop.login.lock().unwrap(), Some(true));
    let off = desktop_settings_set(&ctx, set(None, Some(false), None))
        .await
        .unwrap();
    assert_eq!(off.start_at_login, Some(false));

    let mut options = ContextOptions::new(dir.path().to_path_buf(), "1.0.0");
    options.desktop = Arc::new(NoDesktop);
    let bare = Context::new(options);
    let settings = desktop_settings_get(&bare, DesktopSettingsGetRequest {})
        .await
        .unwrap();
    assert_eq!(settings.start_at_login, None);
    assert!(!settings.tray_available);
    assert!(!keeps_running_in_tray(&bare).await);
    let err = desktop_settings_set(&bare, set(None, Some(true), None))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    let json = r#"{"keepInTray":true,"startAtLogin":null,"checkForUpdates":null,"silent":true}"#;
    assert!(serde_json::from_str::<DesktopSettingsSetRequest>(json).is_err());
}

fn offer(version: &str) -> UpdateOffer {
    UpdateOffer::new(version.into(), Some("Faster Activity".into()), None)
}

#[tokio::test]
async fn an_automatic_check_runs_only_on_a_packaged_copy_that_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    // Built from source (make run, the tests): never asks on its own, asks when told to.
    let source = with_tray();
    *source.offer.lock().unwrap() = Some(Ok(Some(offer("1.1.0"))));
    let ctx = desktop_wallet(dir.path(), source.clone()).await;
    let auto = update_check(&ctx, UpdateCheckRequest { automatic: true })
        .await
        .unwrap();
    assert!(!auto.checked);
    assert_eq!(auto.available, None);
    assert_eq!(*source.checks.lock().unwrap(), 0);
    let asked = update_check(&ctx, UpdateCheckRequest { automatic: false })
        .await
        .unwrap();
    assert!(asked.checked);
    assert_eq!(asked.current_version, "1.0.0");
    assert_eq!(asked.available.unwrap().version, "1.1.0");

    // Installed from a package: asks at start, unless the cardholder switched that off.
    let dir = tempfile::tempdir().unwrap();
    let mut packaged = FakeDesktop {
        packaged: true,
        ..FakeDesktop::default()
    };
    packaged.offer = Mutex::new(Some(Ok(Some(offer("1.1.0")))));
    let packaged = Arc::new(packaged);
    let ctx = desktop_wallet(dir.path(), packaged.clone()).await;
    let auto = update_check(&ctx, UpdateCheckRequest { automatic: true })
        .await
        .unwrap();
    assert!(auto.checked);
    assert_eq!(*packaged.checks.lock().unwrap(), 1);
    desktop_settings_set(&ctx, set(None, None, Some(false)))
        .await
        .unwrap();
    let auto = update_check(&ctx, UpdateCheckRequest { automatic: true })
        .await
        .unwrap();
    assert!(!auto.checked);
    assert_eq!(*packaged.checks.lock().unwrap(), 1);
    // Checking installs nothing.
    assert!(packaged.installs.lock().unwrap().is_empty());
}

#[tokio::test]
async fn update_failures_cross_as_their_own_codes_and_install_names_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = with_tray();
    let ctx = desktop_wallet(dir.path(), desktop.clone()).await;
    for (failure, code) in [
        (
            UpdateError::Unavailable("connection refused".into()),
            ErrorCode::UpdateUnavailable,
        ),
        (UpdateError::NotConfigured, ErrorCode::UpdateUnavailable),
        (
            UpdateError::Unverified("The signature verification failed".into()),
            ErrorCode::UpdateUnverified,
        ),
        (
            UpdateError::InstallFailed("Authentication failed or was cancelled".into()),
            ErrorCode::UpdateFailed,
        ),
    ] {
        *desktop.offer.lock().unwrap() = Some(Err(failure));
        let err = update_check(&ctx, UpdateCheckRequest { automatic: false })
            .await
            .unwrap_err();
        assert_eq!(err.code, code);
    }

    *desktop.offer.lock().unwrap() = Some(Ok(Some(offer("1.1.0"))));
    update_check(&ctx, UpdateCheckRequest { automatic: false })
        .await
        .unwrap();
    let err = update_install(
        &ctx,
        UpdateInstallRequest {
            version: "9.9.9".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::UpdateUnavailable);
    let installed = update_install(
        &ctx,
        UpdateInstallRequest {
            version: " 1.1.0 ".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(installed.version, "1.1.0");
    assert_eq!(*desktop.installs.lock().unwrap(), ["9.9.9", "1.1.0"]);
    for bad in ["", "   ", &"9".repeat(65)] {
        let err = update_install(
            &ctx,
            UpdateInstallRequest {
                version: bad.into(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
    }
    assert_eq!(desktop.installs.lock().unwrap().len(), 2);

    // Without a desktop there is nothing to install.
    let mut options = ContextOptions::new(dir.path().to_path_buf(), "1.0.0");
    options.desktop = Arc::new(NoDesktop);
    let bare = Context::new(options);
    let err = update_check(&bare, UpdateCheckRequest { automatic: false })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UpdateUnavailable);
}

#[test]
fn release_notes_are_plain_text_and_bounded() {
    let notes = format!(
        "  Faster\u{1b}[31m Activity\r\n\tand\u{0}{}  ",
        "x".repeat(5000)
    );
    let offer = UpdateOffer::new("1.1.0".into(), Some(notes), None);
    let text = offer.notes.unwrap();
    assert!(text.starts_with("Faster[31m Activity\n\tand"));
    assert!(!text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t'));
    assert!(text.chars().count() <= consentry_api::desktop::MAX_NOTES_CHARS);
    let empty = UpdateOffer::new("1.1.0".into(), Some(" \u{7} ".into()), None);
    assert_eq!(empty.notes, None);
}
