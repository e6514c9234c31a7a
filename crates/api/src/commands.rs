//! The one declared list of IPC commands.
//!
//! `for_each_command!(callback)` expands `callback! { name(Request) -> Response; … }` with every
//! command. The Tauri shell expands it into its `#[tauri::command]` one-liners and handler, and
//! [`crate::bindings`] into the TypeScript command map, so a command exists everywhere or nowhere.
//! Each command is an `async fn name(&Context, Request) -> Result<Response, ApiError>` in its
//! feature's folder, re-exported at this crate's root.

/// Calls `$callback!` with the list of commands, grouped by feature (each group is the folder
/// of the same name). See the module docs.
#[macro_export]
macro_rules! for_each_command {
    ($callback:ident) => {
        $callback! {
            // about
            app_info($crate::AppInfoRequest) -> $crate::AppInfo;
            // wallet
            wallet_status($crate::WalletStatusRequest) -> $crate::WalletStatus;
            wallet_create($crate::WalletCreateRequest) -> $crate::WalletCreated;
            wallet_unlock($crate::WalletUnlockRequest) -> $crate::WalletStatus;
            wallet_lock($crate::WalletLockRequest) -> $crate::WalletStatus;
            wallet_user_active($crate::WalletUserActiveRequest) -> $crate::WalletStatus;
            wallet_set_passphrase($crate::WalletPassphraseRequest) -> $crate::WalletStatus;
            wallet_set_keyring($crate::WalletKeyringRequest) -> $crate::WalletStatus;
            wallet_recovery_key_new($crate::RecoveryKeyNewRequest) -> $crate::NewRecoveryKey;
            wallet_recovery_key_confirm($crate::RecoveryKeyConfirmRequest) -> $crate::WalletStatus;
            wallet_set_auto_lock($crate::WalletAutoLockRequest) -> $crate::WalletStatus;
            wallet_check_integrity($crate::IntegrityCheckRequest) -> $crate::IntegrityResult;
            wallet_set_language($crate::WalletLanguageRequest) -> $crate::WalletLanguage;
            // cards
            cards_list($crate::CardsListRequest) -> $crate::CardList;
            card_link($crate::CardLinkRequest) -> $crate::CardView;
            card_rename($crate::CardRenameRequest) -> $crate::CardView;
            card_unlink($crate::CardUnlinkRequest) -> $crate::CardUnlinked;
            // directory
            apps_list($crate::AppsListRequest) -> $crate::AppList;
            apps_refresh($crate::AppsRefreshRequest) -> $crate::AppsRefreshed;
            terms_diff($crate::TermsDiffRequest) -> $crate::TermsDiff;
            app_access($crate::AppAccessRequest) -> $crate::AppAccess;
            // consents
            grants_list($crate::GrantsListRequest) -> $crate::GrantList;
            grant_set($crate::GrantSetRequest) -> $crate::GrantView;
            grant_revoke($crate::GrantRevokeRequest) -> $crate::GrantView;
            revoke_all($crate::RevokeAllRequest) -> $crate::RevokeAllResult;
            // conflicts
            conflicts_list($crate::ConflictsListRequest) -> $crate::ConflictList;
            conflict_dismiss($crate::ConflictResolveRequest) -> $crate::ConflictList;
            conflict_reapply($crate::ConflictResolveRequest) -> $crate::ConflictList;
            // ledger
            ledger_list($crate::LedgerListRequest) -> $crate::LedgerList;
            ledger_verify($crate::LedgerVerifyRequest) -> $crate::LedgerVerifyResult;
            // activity
            activity_list($crate::ActivityListRequest) -> $crate::ActivityPage;
            event_detail($crate::EventDetailRequest) -> $crate::EventDetail;
            activity_unread($crate::ActivityUnreadRequest) -> $crate::UnreadCount;
            activity_mark_seen($crate::ActivityMarkSeenRequest) -> $crate::UnreadCount;
            // rewards
            rewards_summary($crate::RewardsSummaryRequest) -> $crate::RewardsSummary;
            missing_rewards($crate::MissingRewardsRequest) -> $crate::MissingRewards;
            missing_reward_save($crate::MissingRewardSaveRequest) -> $crate::ClaimPackSaved;
            // export
            export_history($crate::export::ExportRequest) -> $crate::export::ExportSummary;
            export_cancel($crate::export::ExportCancelRequest) -> $crate::export::ExportCancelled;
            // sync
            sync_status($crate::SyncStatusRequest) -> $crate::SyncStatusView;
            sync_now($crate::SyncNowRequest) -> $crate::SyncStatusView;
            platform_enroll($crate::PlatformEnrollRequest) -> $crate::SyncStatusView;
            platform_credentials($crate::PlatformCredentialsRequest) -> $crate::PlatformCredentials;
            platform_trust($crate::PlatformTrustRequest) -> $crate::PlatformTrust;
            device_pairing_start($crate::DevicePairingStartRequest) -> $crate::DevicePairingCode;
            // devices
            devices_list($crate::DevicesListRequest) -> $crate::DeviceList;
            device_remove($crate::DeviceRemoveRequest) -> $crate::DeviceList;
            // requests
            data_request_create($crate::DataRequestCreateRequest) -> $crate::DataRequestView;
            data_requests_list($crate::DataRequestsListRequest) -> $crate::DataRequestList;
            // notifications
            notification_prefs_get($crate::NotificationPrefsGetRequest) -> $crate::NotificationPrefs;
            notification_prefs_set($crate::NotificationPrefsSetRequest) -> $crate::NotificationPrefs;
            // desktop
            desktop_settings_get($crate::DesktopSettingsGetRequest) -> $crate::DesktopSettings;
            desktop_settings_set($crate::DesktopSettingsSetRequest) -> $crate::DesktopSettings;
            update_check($crate::UpdateCheckRequest) -> $crate::UpdateCheck;
            update_install($crate::UpdateInstallRequest) -> $crate::UpdateInstalled;
            // demo
            purchase_simulate($crate::PurchaseSimulateRequest) -> $crate::PurchaseSimulated;
            demo_terms_publish($crate::DemoTermsPublishRequest) -> $crate::DemoTermsPublished;
            demo_violation($crate::DemoViolationRequest) -> $crate::DemoViolationSent;
            demo_unrewarded_purchase($crate::DemoUnrewardedRequest) -> $crate::DemoUnrewardedSent;
        }
    };
}

/// Calls `$callback!` with every event the backend pushes to the UI: `name(Payload);`.
/// The shell emits them by these names; the TypeScript `Events` map is generated from it.
#[macro_export]
macro_rules! for_each_event {
    ($callback:ident) => {
        $callback! {
            wallet_status($crate::WalletStatus);
            sync_status($crate::SyncStatusView);
            export_progress($crate::export::ExportProgress);
            open_event($crate::notifications::OpenEvent);
        }
    };
}
