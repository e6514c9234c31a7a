//! The api crate's integration tests: the IPC surface and its use cases.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns unwrap too

mod bindings_drift {
    use std::path::PathBuf;

    /// The file at `path` (from the repository's root) and its committed text ("" if absent).
    fn committed(path: &str) -> (PathBuf, String) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        (path, text)
    }

    #[test]
    fn committed_typescript_bindings_match_the_rust_types() {
        let (path, committed) = committed(consentry_api::bindings::BINDINGS_PATH);
        assert!(
            committed == consentry_api::bindings::render(),
            "{} is out of date with the Rust DTOs: run `make bindings` and commit the result",
            path.display()
        );
    }

    #[test]
    fn the_committed_window_capability_is_the_generated_one() {
        let (path, committed) = committed(consentry_api::bindings::CAPABILITY_PATH);
        assert!(
            committed == consentry_api::bindings::render_capability(),
            "{} is out of date with the command list: run `make bindings` and commit it",
            path.display()
        );
        // Least privilege: the window's own commands and events, nothing of any plugin.
        let capability: serde_json::Value = serde_json::from_str(&committed).unwrap();
        for permission in capability["permissions"].as_array().unwrap() {
            let permission = permission.as_str().unwrap();
            assert!(
                permission.starts_with("allow-") || permission.starts_with("core:event:"),
                "{permission}"
            );
        }
    }

    /// Every `call('name'` in the UI's sources, with the file it is in.
    fn ui_calls() -> std::collections::BTreeMap<String, String> {
        fn walk(dir: &std::path::Path, found: &mut std::collections::BTreeMap<String, String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, found);
                    continue;
                }
                let name = path.display().to_string();
                if !(name.ends_with(".ts") || name.ends_with(".svelte"))
                    || name.ends_with("generated.ts")
                    || name.contains("/ipc/mock")
                {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("call(").skip(1) {
                    let part = part.trim_start();
                    let Some(rest) = part.strip_prefix('\'') else {
                        continue;
                    };
                    if let Some(end) = rest.find('\'') {
                        found.insert(rest[..end].to_owned(), name.clone());
                    }
                }
            }
        }
        let mut found = std::collections::BTreeMap::new();
        walk(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src"),
            &mut found,
        );
        found
    }

    /// The window is granted exactly what its pages call: a command the UI starts using
    /// must be granted on purpose, and one it stops using stops being granted.
    #[test]
    fn the_window_is_granted_exactly_the_commands_the_ui_calls() {
        let called = ui_calls();
        let granted = consentry_api::bindings::window_commands();
        for (name, file) in &called {
            assert!(
                granted.contains(&name.as_str()),
                "{file} calls {name}, which the window is not granted"
            );
        }
        for name in &granted {
            assert!(
                called.contains_key(*name),
                "the window is granted {name}, which no page calls: add it to NOT_FOR_THE_WINDOW"
            );
        }
    }

    #[test]
    fn every_command_appears_in_the_typescript_command_map() {
        let rendered = consentry_api::bindings::render();
        assert!(!consentry_api::bindings::COMMAND_NAMES.is_empty());
        for name in consentry_api::bindings::COMMAND_NAMES {
            assert!(
                rendered.contains(&format!("  {name}: {{ request: ")),
                "{name} missing"
            );
        }
        assert!(rendered.contains("export type AppInfo = "));
        assert!(rendered.contains("export type ApiError = "));
    }
}

mod app_info {
    use consentry_api::{app_info, AppInfoRequest, BuildProfile, Context, ContextOptions};

    #[tokio::test]
    async fn reports_version_data_dir_profile_and_platform() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = ContextOptions::new(dir.path().to_path_buf(), "1.2.3");
        options.platform_url = Some("http://127.0.0.1:9".into());
        let ctx = Context::new(options);
        let info = app_info(&ctx, AppInfoRequest {}).await.unwrap();
        assert_eq!(info.version, "1.2.3");
        assert_eq!(info.data_dir, dir.path().display().to_string());
        assert_eq!(info.build_profile, BuildProfile::current());
        assert_eq!(info.platform_url.as_deref(), Some("http://127.0.0.1:9"));

        let json = serde_json::to_value(&info).unwrap();
        assert!(
            json.get("dataDir").is_some(),
            "camelCase on the wire: {json}"
        );
    }

    #[test]
    fn request_rejects_unknown_fields() {
        let err = serde_json::from_str::<AppInfoRequest>(r#"{"surprise":1}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
}

mod paths {
    use std::ffi::OsString;
    use std::path::PathBuf;

    use consentry_api::paths::{default_data_dir, resolve_data_dir, APP_IDENTIFIER};

    #[test]
    fn flag_beats_environment_beats_default() {
        let flag = Some(PathBuf::from("/tmp/flag"));
        let env = Some(OsString::from("/tmp/env"));
        assert_eq!(
            resolve_data_dir(flag, env.clone()).unwrap(),
            PathBuf::from("/tmp/flag")
        );
        assert_eq!(
            resolve_data_dir(None, env).unwrap(),
            PathBuf::from("/tmp/env")
        );
        assert_eq!(
            resolve_data_dir(None, None).unwrap(),
            default_data_dir().unwrap()
        );
    }

    #[test]
    fn empty_values_count_as_absent() {
        let resolved = resolve_data_dir(Some(PathBuf::new()), Some(OsString::new())).unwrap();
        assert_eq!(resolved, default_data_dir().unwrap());
        assert!(resolved.ends_with(APP_IDENTIFIER));
    }
}

mod wallet {
    use chrono::{Duration, Utc};
    use consentry_api::{
        activity_list, activity_unread, wallet_check_integrity, wallet_create, wallet_lock,
        wallet_set_auto_lock, wallet_status, wallet_unlock, wallet_user_active,
        ActivityListRequest, ActivityUnreadRequest, Context, ContextOptions, ErrorCode,
        IntegrityCheckRequest, WalletAutoLockRequest, WalletCreateRequest, WalletLockRequest,
        WalletStateDto, WalletStatusRequest, WalletUnlockRequest, WalletUserActiveRequest,
    };
    use consentry_api::{
        wallet_set_keyring, wallet_set_passphrase, WalletKeyringRequest, WalletPassphraseRequest,
    };
    use consentry_store::KdfParams;

    fn context(dir: &std::path::Path) -> Context {
        let mut options = ContextOptions::new(dir.to_path_buf(), "0.0.0");
        options.kdf = KdfParams::INSECURE_FOR_TESTS;
        Context::new(options)
    }

    /// Creates a passphrase wallet (no keyring) in `ctx`.
    async fn create_with_passphrase(
        ctx: &Context,
        passphrase: &str,
    ) -> consentry_api::WalletCreated {
        wallet_create(
            ctx,
            WalletCreateRequest {
                use_keyring: false,
                passphrase: Some(passphrase.into()),
            },
        )
        .await
        .unwrap()
    }

    fn passphrase(text: &str) -> WalletUnlockRequest {
        WalletUnlockRequest::Passphrase {
            passphrase: text.into(),
        }
    }

    #[tokio::test]
    async fn passphrase_wallet_lifecycle() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path());
        let status = wallet_status(&ctx, WalletStatusRequest {}).await.unwrap();
        assert_eq!(status.state, WalletStateDto::New);

        let created = create_with_passphrase(&ctx, "correct horse").await;
        assert_eq!(created.status.state, WalletStateDto::Unlocked);
        assert_eq!(
            created.status.auto_lock_minutes,
            Some(15),
            "default auto-lock"
        );
        assert!(
            created.recovery_key.len() > 40,
            "recovery key: {}",
            created.recovery_key
        );
        assert!(
            !format!("{created:?}").contains(&created.recovery_key),
            "Debug leaks the key"
        );

        let again = wallet_create(
            &ctx,
            WalletCreateRequest {
                use_keyring: false,
                passphrase: Some("another one".into()),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(again.code, ErrorCode::WalletExists);

        let locked = wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
        assert_eq!(locked.state, WalletStateDto::Locked);
        let err = wallet_check_integrity(&ctx, IntegrityCheckRequest {})
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::WalletLocked);

        let err = wallet_unlock(&ctx, passphrase("wrong horse"))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::KeyMismatch);
        let status = wallet_status(&ctx, WalletStatusRequest {}).await.unwrap();
        assert_eq!(status.state, WalletStateDto::KeyMismatch);

        let status = wallet_unlock(&ctx, passphrase("correct horse"))
            .await
            .unwrap();
        assert_eq!(status.state, WalletStateDto::Unlocked);
        let report = wallet_check_integrity(&ctx, IntegrityCheckRequest {})
            .await
            .unwrap();
        assert!(report.intact, "{:?}", report.problems);

        // The recovery key opens the same wallet (a fresh context: a fresh process).
        wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
        let ctx = context(dir.path());
        let request = WalletUnlockRequest::RecoveryKey {
            recovery_key: created.recovery_key,
        };
        let status = wallet_unlock(&ctx, request).await.unwrap();
        assert_eq!(status.state, WalletStateDto::Unlocked);
        assert_eq!(status.wallet_id, created.status.wallet_id);
    }

    #[tokio::test]
    async fn auto_lock_is_saved_and_locks_when_idle() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path());
        let request = WalletCreateRequest {
            use_keyring: false,
            passphrase: Some("pass phrase".into()),
        };
        wallet_create(&ctx, request).await.unwrap();

        let bad = WalletAutoLockRequest { minutes: Some(0) };
        assert_eq!(
            wallet_set_auto_lock(&ctx, bad).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );
        let status = wallet_set_auto_lock(&ctx, WalletAutoLockRequest { minutes: Some(2) }).await;
        assert_eq!(status.unwrap().auto_lock_minutes, Some(2));

        assert!(!ctx.lock_if_idle(Utc::now() + Duration::seconds(30)).await);
        assert!(ctx.lock_if_idle(Utc::now() + Duration::minutes(3)).await);
        let status = wallet_status(&ctx, WalletStatusRequest {}).await.unwrap();
        assert_eq!(status.state, WalletStateDto::Locked);

        // The choice survives a restart.
        let ctx = context(dir.path());
        let status = wallet_unlock(&ctx, passphrase("pass phrase"))
            .await
            .unwrap();
        assert_eq!(status.auto_lock_minutes, Some(2));
    }

    /// Only the person's own activity postpones the auto-lock: a screen refreshing itself or
    /// the unread count does not (with "a minute" shortened to 1 s).
    #[tokio::test]
    async fn only_the_persons_activity_postpones_the_auto_lock() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = ContextOptions::new(dir.path().to_path_buf(), "0.0.0");
        options.kdf = KdfParams::INSECURE_FOR_TESTS;
        options.auto_lock_minute = std::time::Duration::from_secs(1);
        let ctx = Context::new(options);
        let request = WalletCreateRequest {
            use_keyring: false,
            passphrase: Some("pass phrase".into()),
        };
        wallet_create(&ctx, request).await.unwrap();
        wallet_set_auto_lock(&ctx, WalletAutoLockRequest { minutes: Some(1) })
            .await
            .unwrap();
        assert!(ctx.auto_lock_check_every() <= std::time::Duration::from_millis(250));

        // Used by the person 0.7 s in: still open 0.5 s later (1.2 s after the setting).
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        wallet_user_active(&ctx, WalletUserActiveRequest {})
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(!ctx.lock_if_idle(Utc::now()).await);

        // Background reads for 1.2 s more: they keep nothing open.
        let until = std::time::Instant::now() + std::time::Duration::from_millis(1200);
        while std::time::Instant::now() < until {
            activity_list(&ctx, ActivityListRequest::default())
                .await
                .unwrap();
            activity_unread(&ctx, ActivityUnreadRequest {})
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(ctx.lock_if_idle(Utc::now()).await);
        let status = wallet_status(&ctx, WalletStatusRequest {}).await.unwrap();
        assert_eq!(status.state, WalletStateDto::Locked);
        // Activity reported while locked unlocks nothing.
        let status = wallet_user_active(&ctx, WalletUserActiveRequest {})
            .await
            .unwrap();
        assert_eq!(status.state, WalletStateDto::Locked);
    }

    /// The OS keyring, in memory (the real one is tested in the store and end to end).
    #[derive(Default)]
    struct MemoryKeyring(std::sync::Mutex<std::collections::HashMap<String, [u8; 32]>>);

    impl consentry_store::KeyStore for MemoryKeyring {
        fn load<'a>(
            &'a self,
            account: &'a str,
        ) -> consentry_store::KeyStoreFuture<'a, Option<consentry_store::DbKey>> {
            let key = self.0.lock().unwrap().get(account).copied();
            Box::pin(async move { Ok(key.map(consentry_store::DbKey::from_bytes)) })
        }
        fn save<'a>(
            &'a self,
            account: &'a str,
            key: &'a consentry_store::DbKey,
        ) -> consentry_store::KeyStoreFuture<'a, ()> {
            self.0
                .lock()
                .unwrap()
                .insert(account.to_owned(), *key.expose_bytes());
            Box::pin(async { Ok(()) })
        }
        fn delete<'a>(&'a self, account: &'a str) -> consentry_store::KeyStoreFuture<'a, ()> {
            self.0.lock().unwrap().remove(account);
            Box::pin(async { Ok(()) })
        }
    }

    /// Passphrase and keyring change only with a proof the person holds (the passphrase or
    /// the recovery key), and each change is what the next unlock sees.
    #[tokio::test]
    async fn the_passphrase_and_the_keyring_change_only_with_a_proof() {
        let dir = tempfile::tempdir().unwrap();
        let keyring = std::sync::Arc::new(MemoryKeyring::default());
        let make = || {
            let mut options = ContextOptions::new(dir.path().to_path_buf(), "0.0.0");
            options.kdf = KdfParams::INSECURE_FOR_TESTS;
            options.keystore = Some(keyring.clone());
            Context::new(options)
        };
        let ctx = make();
        let created = wallet_create(
            &ctx,
            WalletCreateRequest {
                use_keyring: true,
                passphrase: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(created.status.keyring, Some(true));
        assert_eq!(created.status.has_passphrase, Some(false));
        let recovery = || WalletUnlockRequest::RecoveryKey {
            recovery_key: created.recovery_key.clone(),
        };
        let set = |proof, new: &str| WalletPassphraseRequest {
            proof,
            new_passphrase: new.into(),
        };

        // Taking the key out of the keyring without a passphrase would leave only the
        // recovery key: refused. So is any change without a proof, or with the keyring.
        let out = |proof| WalletKeyringRequest {
            keep_in_keyring: false,
            proof,
        };
        assert_eq!(
            wallet_set_keyring(&ctx, out(Some(recovery())))
                .await
                .unwrap_err()
                .code,
            ErrorCode::InvalidInput
        );
        assert_eq!(
            wallet_set_keyring(&ctx, out(None)).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert_eq!(
            wallet_set_passphrase(&ctx, set(WalletUnlockRequest::Keyring, "first passphrase"))
                .await
                .unwrap_err()
                .code,
            ErrorCode::InvalidInput
        );
        // A passphrase is set with the recovery key as proof.
        let status = wallet_set_passphrase(&ctx, set(recovery(), "first passphrase"))
            .await
            .unwrap();
        assert_eq!(status.has_passphrase, Some(true));
        // Changing it needs the current one.
        assert_eq!(
            wallet_set_passphrase(&ctx, set(passphrase("not it at all"), "second passphrase"))
                .await
                .unwrap_err()
                .code,
            ErrorCode::KeyMismatch
        );
        wallet_set_passphrase(
            &ctx,
            set(passphrase("first passphrase"), "second passphrase"),
        )
        .await
        .unwrap();
        // Out of the keyring, with the passphrase as proof.
        let status = wallet_set_keyring(&ctx, out(Some(passphrase("second passphrase"))))
            .await
            .unwrap();
        assert_eq!(status.keyring, Some(false));
        assert!(keyring.0.lock().unwrap().is_empty(), "the entry is gone");

        // A new process: the keyring opens nothing, the old passphrase nothing, the new one does.
        wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
        let ctx = make();
        assert!(wallet_unlock(&ctx, WalletUnlockRequest::Keyring)
            .await
            .is_err());
        assert!(wallet_unlock(&ctx, passphrase("first passphrase"))
            .await
            .is_err());
        let status = wallet_unlock(&ctx, passphrase("second passphrase"))
            .await
            .unwrap();
        assert_eq!(status.state, WalletStateDto::Unlocked);
        // Back into the keyring (no proof needed: the wallet is open), and it opens by it.
        let back = WalletKeyringRequest {
            keep_in_keyring: true,
            proof: None,
        };
        assert_eq!(
            wallet_set_keyring(&ctx, back).await.unwrap().keyring,
            Some(true)
        );
        wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
        let ctx = make();
        wallet_unlock(&ctx, WalletUnlockRequest::Keyring)
            .await
            .unwrap();
    }

    /// A new recovery key: shown only after a native yes, effective only once typed back,
    /// forgotten on lock; afterwards the old one opens nothing.
    #[tokio::test]
    async fn a_new_recovery_key_needs_a_native_yes_and_to_be_typed_back() {
        use consentry_api::native::{Answer, Asked, ScriptedNative};
        use consentry_api::{
            wallet_recovery_key_confirm, wallet_recovery_key_new, RecoveryKeyConfirmRequest,
            RecoveryKeyNewRequest,
        };
        let dir = tempfile::tempdir().unwrap();
        let native = std::sync::Arc::new(ScriptedNative::default());
        let make = || {
            let mut options = ContextOptions::new(dir.path().to_path_buf(), "0.0.0");
            options.kdf = KdfParams::INSECURE_FOR_TESTS;
            options.native = native.clone();
            Context::new(options)
        };
        let ctx = make();
        let created = create_with_passphrase(&ctx, "correct horse").await;
        let old = created.recovery_key.clone();
        let confirm = |key: &str| RecoveryKeyConfirmRequest {
            recovery_key: key.into(),
        };

        // Declined (or no answer at all): nothing shown, nothing pending.
        let err = wallet_recovery_key_new(&ctx, RecoveryKeyNewRequest {})
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Cancelled);
        assert!(matches!(native.asked().last(), Some(Asked::Confirm(_))));
        // Typing any key (even the current one) with nothing pending changes nothing.
        let err = wallet_recovery_key_confirm(&ctx, confirm(&old))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::KeyMismatch);

        // Shown after a yes; a lock forgets it, so it cannot be confirmed afterwards.
        native.push(Answer::Accept);
        let forgotten = wallet_recovery_key_new(&ctx, RecoveryKeyNewRequest {})
            .await
            .unwrap();
        assert!(!format!("{forgotten:?}").contains(&forgotten.recovery_key));
        wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
        wallet_unlock(&ctx, passphrase("correct horse"))
            .await
            .unwrap();
        let err = wallet_recovery_key_confirm(&ctx, confirm(&forgotten.recovery_key))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::KeyMismatch);

        native.push(Answer::Accept);
        let shown = wallet_recovery_key_new(&ctx, RecoveryKeyNewRequest {})
            .await
            .unwrap();
        assert_ne!(shown.recovery_key, old);
        // A typo is a typo; another well-formed key is refused; the shown one (in lower case,
        // without dashes, as people type) is accepted.
        let mut typo = shown.recovery_key.clone();
        typo.replace_range(0..1, if typo.starts_with('A') { "B" } else { "A" });
        assert_eq!(
            wallet_recovery_key_confirm(&ctx, confirm(&typo))
                .await
                .unwrap_err()
                .code,
            ErrorCode::InvalidInput
        );
        assert_eq!(
            wallet_recovery_key_confirm(&ctx, confirm(&forgotten.recovery_key))
                .await
                .unwrap_err()
                .code,
            ErrorCode::KeyMismatch
        );
        let sloppy = shown.recovery_key.replace('-', "").to_lowercase();
        let status = wallet_recovery_key_confirm(&ctx, confirm(&sloppy))
            .await
            .unwrap();
        assert_eq!(status.state, WalletStateDto::Unlocked);
        // Still usable right away (the sync and the pool came back).
        wallet_check_integrity(&ctx, IntegrityCheckRequest {})
            .await
            .unwrap();

        wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
        let ctx = make();
        let recovery = |key: &str| WalletUnlockRequest::RecoveryKey {
            recovery_key: key.into(),
        };
        assert_eq!(
            wallet_unlock(&ctx, recovery(&old)).await.unwrap_err().code,
            ErrorCode::KeyMismatch
        );
        wallet_unlock(&ctx, recovery(&shown.recovery_key))
            .await
            .unwrap();
        wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
        wallet_unlock(&ctx, passphrase("correct horse"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn create_needs_a_key_home_and_requests_redact_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path());
        let err = wallet_create(
            &ctx,
            WalletCreateRequest {
                use_keyring: false,
                passphrase: None,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(!dir.path().join("wallet.db").exists(), "nothing written");

        let short = WalletCreateRequest {
            use_keyring: false,
            passphrase: Some("short".into()),
        };
        assert_eq!(
            wallet_create(&ctx, short).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );

        let request: WalletUnlockRequest =
            serde_json::from_str(r#"{"method":"passphrase","passphrase":"s3cret-words"}"#).unwrap();
        assert!(!format!("{request:?}").contains("s3cret"));
        let err = serde_json::from_str::<WalletUnlockRequest>(r#"{"method":"telepathy"}"#);
        assert!(err.is_err());
    }

    #[tokio::test]
    async fn keyring_wallet_unlocks_from_the_real_secret_service() {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            assert!(
                std::env::var_os("CI_REQUIRE_KEYRING").is_none(),
                "no session bus"
            );
            println!("skipping: no D-Bus session (make test runs one with gnome-keyring)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path());
        let request = WalletCreateRequest {
            use_keyring: true,
            passphrase: None,
        };
        let created = wallet_create(&ctx, request).await.unwrap();
        wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();

        let ctx = context(dir.path());
        let status = wallet_unlock(&ctx, WalletUnlockRequest::Keyring)
            .await
            .unwrap();
        assert_eq!(status.state, WalletStateDto::Unlocked);
        assert_eq!(status.wallet_id, created.status.wallet_id);
    }
}

mod consents {
    use chrono::Utc;
    use consentry_api::vocabulary::{Channel, GrantStatus, Money, Scope, Trigger};
    use consentry_api::{
        grant_revoke, grant_set, grants_list, ledger_list, ledger_verify, revoke_all, Context,
        ErrorCode, GrantExpiry, GrantRevokeRequest, GrantSetRequest, GrantsListRequest,
        LedgerListRequest, LedgerVerifyRequest, RevokeAllRequest,
    };
    use consentry_domain::{FeeModel, Sha256Digest};
    use consentry_store::apps::{self, AppListing};
    use consentry_store::outbox;

    async fn wallet_with_app(dir: &std::path::Path) -> Context {
        let (ctx, pool) = crate::support::new_wallet(dir).await;
        let terms = "Receipts for every purchase. v3".to_owned();
        let listing = AppListing {
            id: "app_receipts".into(),
            name: "PaperLess".into(),
            publisher: "Receipt Co".into(),
            description: "Digital receipts".into(),
            requested_scopes: vec![consentry_domain::Scope::Receipts],
            terms_version: 3,
            terms_hash: Sha256Digest::of_terms(&terms),
            terms_text: terms,
            fee_model: FeeModel::Percent { bps: 150 },
        };
        apps::upsert(&pool, &listing, Utc::now()).await.unwrap();
        for (token, last4) in [
            ("tok_a", "4242"),
            ("tok_kept", "1111"),
            ("tok_lost", "0005"),
        ] {
            consentry_store::cards::insert(
                &pool,
                &consentry_testkit::visa(token, last4),
                Utc::now(),
            )
            .await
            .unwrap();
        }
        ctx
    }

    /// The card `tok_lost` is unlinked (in the store, as a sync would leave it).
    async fn unlink_lost_card(ctx: &Context) {
        let pool = ctx.pool().await.unwrap();
        consentry_store::cards::set_status(
            &pool,
            "tok_lost",
            consentry_store::cards::CardStatus::Unlinked,
            Utc::now(),
        )
        .await
        .unwrap();
    }

    /// No change waits to be sent and the ledger is empty.
    async fn assert_nothing_recorded(ctx: &Context) {
        let pool = ctx.pool().await.unwrap();
        assert_eq!(outbox::pending_count(&pool).await.unwrap(), 0);
        assert!(ledger_list(ctx, LedgerListRequest::default())
            .await
            .unwrap()
            .entries
            .is_empty());
    }

    #[tokio::test]
    async fn a_grant_on_a_card_the_wallet_does_not_hold_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = wallet_with_app(dir.path()).await;
        let unknown = grant_set(&ctx, receipts_on("tok_nobody"))
            .await
            .unwrap_err();
        assert_eq!(unknown.code, ErrorCode::NotFound, "{unknown:?}");
        assert!(
            unknown.message.contains("tok_nobody"),
            "{}",
            unknown.message
        );
        unlink_lost_card(&ctx).await;
        let unlinked = grant_set(&ctx, receipts_on("tok_lost")).await.unwrap_err();
        assert_eq!(unlinked.code, ErrorCode::NotFound);
        // Nothing was recorded for either.
        let ledger = ledger_list(&ctx, LedgerListRequest::default())
            .await
            .unwrap();
        assert!(ledger.entries.is_empty());
    }

    #[tokio::test]
    async fn a_conflict_is_listed_until_kept_or_applied_again() {
        use consentry_api::{
            conflict_dismiss, conflict_reapply, conflicts_list, ConflictResolveRequest,
            ConflictsListRequest,
        };
        use consentry_store::conflicts::{self, NewConflict};
        let dir = tempfile::tempdir().unwrap();
        let ctx = wallet_with_app(dir.path()).await;
        let pool = ctx.pool().await.unwrap();
        // This device granted; another device's revocation reached the platform first.
        let mine = grant_set(&ctx, receipts_on("tok_a")).await.unwrap();
        let asked = consentry_store::grants::list(&pool).await.unwrap()[0].clone();
        let theirs = asked.revoke(Utc::now()).unwrap();
        for _ in 0..2 {
            let set_aside = NewConflict {
                outbox_key: uuid::Uuid::now_v7(),
                grant_id: &asked.id,
                asked_action: consentry_domain::ConsentAction::Grant,
                asked: &asked.details(),
                asked_at: mine.changed_at,
                won: Some(&theirs),
                won_by: Some("dev_other"),
                reason: "version_conflict: changed elsewhere first",
            };
            conflicts::record(&pool, &set_aside, Utc::now())
                .await
                .unwrap();
        }
        let listed = conflicts_list(&ctx, ConflictsListRequest {}).await.unwrap();
        assert_eq!(listed.conflicts.len(), 2);
        let first = &listed.conflicts[0];
        assert_eq!(
            (first.asked.as_str(), first.scope),
            ("grant", Scope::Receipts)
        );
        assert_eq!(first.won_status, Some(GrantStatus::Revoked));
        // A device this wallet never heard of has no name, and it is not the platform.
        assert_eq!(
            (first.won_by.as_deref(), first.won_by_platform),
            (None, false)
        );

        let left = conflict_dismiss(&ctx, ConflictResolveRequest { id: first.id })
            .await
            .unwrap();
        assert_eq!(left.conflicts.len(), 1);
        let again = conflict_dismiss(&ctx, ConflictResolveRequest { id: first.id })
            .await
            .unwrap_err();
        assert_eq!(again.code, ErrorCode::NotFound);

        // Applying mine again is a new grant on top, in the ledger and the outbox.
        let before = ledger_list(&ctx, LedgerListRequest::default())
            .await
            .unwrap();
        let id = left.conflicts[0].id;
        let none = conflict_reapply(&ctx, ConflictResolveRequest { id })
            .await
            .unwrap();
        assert!(none.conflicts.is_empty());
        let after = ledger_list(&ctx, LedgerListRequest::default())
            .await
            .unwrap();
        assert_eq!(after.entries.len(), before.entries.len() + 1);
        assert_eq!(after.entries[0].action, "grant");
        assert_eq!(
            conflicts::count_open(&pool).await.unwrap(),
            0,
            "nothing left open"
        );
    }

    fn receipts_on(card: &str) -> GrantSetRequest {
        GrantSetRequest {
            app_id: "app_receipts".into(),
            card_token: card.into(),
            scope: Scope::Receipts,
            channels: vec![Channel::Card, Channel::Nfc],
            trigger: Trigger::Authorization,
            min_purchase: Some(Money {
                minor: 500,
                currency: "EUR".into(),
            }),
            expiry: GrantExpiry::Days { days: 90 },
        }
    }

    #[tokio::test]
    async fn grant_then_revoke_is_two_ledger_entries_and_two_outbox_rows() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = wallet_with_app(dir.path()).await;

        let granted = grant_set(&ctx, receipts_on("tok_a")).await.unwrap();
        assert_eq!(granted.status, GrantStatus::Active);
        assert_eq!(granted.terms_version, 3);
        assert!(granted.expires_at.is_some());

        let revoke = GrantRevokeRequest {
            app_id: "app_receipts".into(),
            card_token: "tok_a".into(),
            scope: Scope::Receipts,
        };
        let revoked = grant_revoke(&ctx, revoke).await.unwrap();
        assert_eq!(revoked.status, GrantStatus::Revoked);
        assert_eq!(revoked.grant_id, granted.grant_id);

        let ledger = ledger_list(&ctx, LedgerListRequest::default())
            .await
            .unwrap();
        let actions: Vec<_> = ledger.entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["revoke", "grant"], "newest first");
        assert!(ledger.entries.iter().all(|e| e.terms_version == 3));
        let pool = ctx.pool().await.unwrap();
        assert_eq!(outbox::pending_count(&pool).await.unwrap(), 2);
        assert!(
            ledger_verify(&ctx, LedgerVerifyRequest {})
                .await
                .unwrap()
                .intact
        );

        // Granting again is an explicit new grant on the same id.
        let again = grant_set(&ctx, receipts_on("tok_a")).await.unwrap();
        assert_eq!(
            (again.status, again.grant_id),
            (GrantStatus::Active, granted.grant_id)
        );
    }

    #[tokio::test]
    async fn a_details_change_is_one_ledger_entry_and_one_outbox_row_and_keeps_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = wallet_with_app(dir.path()).await;
        let pool = ctx.pool().await.unwrap();
        let granted = grant_set(&ctx, receipts_on("tok_a")).await.unwrap();
        assert_eq!(granted.renewal_days, Some(90));
        let entries_before = ledger_list(&ctx, LedgerListRequest::default())
            .await
            .unwrap()
            .entries
            .len();
        let pending_before = outbox::pending_count(&pool).await.unwrap();

        // Only contactless, at settlement, from €8: the end date stays where it was.
        let mut change = receipts_on("tok_a");
        change.channels = vec![Channel::Nfc];
        change.trigger = Trigger::Settlement;
        change.min_purchase = Some(Money {
            minor: 800,
            currency: "EUR".into(),
        });
        change.expiry = GrantExpiry::Keep;
        let changed = grant_set(&ctx, change).await.unwrap();
        assert_eq!(changed.grant_id, granted.grant_id);
        assert_eq!(changed.status, GrantStatus::Active);
        assert_eq!(changed.expires_at, granted.expires_at, "the end is kept");
        assert_eq!(
            changed.renewal_days,
            Some(90),
            "a renewal still gives 90 days"
        );

        let ledger = ledger_list(&ctx, LedgerListRequest::default())
            .await
            .unwrap();
        assert_eq!(
            ledger.entries.len(),
            entries_before + 1,
            "exactly one entry"
        );
        let newest = &ledger.entries[0];
        assert_eq!(newest.action, "grant");
        assert_eq!(newest.channels, vec![Channel::Nfc]);
        assert_eq!(newest.trigger, Trigger::Settlement);
        assert_eq!(newest.min_purchase.as_ref().map(|m| m.minor), Some(800));
        assert_eq!(newest.expires_at, granted.expires_at);
        assert_eq!(
            outbox::pending_count(&pool).await.unwrap(),
            pending_before + 1,
            "exactly one change for the platform"
        );
        assert!(
            ledger_verify(&ctx, LedgerVerifyRequest {})
                .await
                .unwrap()
                .intact
        );
        let listed = grants_list(&ctx, GrantsListRequest::default())
            .await
            .unwrap();
        assert_eq!(listed.grants.len(), 1);
        assert_eq!(listed.grants[0].trigger, Trigger::Settlement);
        assert_eq!(listed.grants[0].renewal_days, Some(90));

        // A new end is a new period to repeat.
        let mut renewed = receipts_on("tok_a");
        renewed.expiry = GrantExpiry::Days { days: 30 };
        let renewed = grant_set(&ctx, renewed).await.unwrap();
        assert_eq!(renewed.renewal_days, Some(30));
        let mut endless = receipts_on("tok_a");
        endless.expiry = GrantExpiry::Never;
        let endless = grant_set(&ctx, endless).await.unwrap();
        assert_eq!((endless.expires_at, endless.renewal_days), (None, None));
    }

    #[tokio::test]
    async fn keeping_the_end_of_a_permission_never_given_is_refused_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = wallet_with_app(dir.path()).await;
        let mut keep = receipts_on("tok_a");
        keep.expiry = GrantExpiry::Keep;
        let refused = grant_set(&ctx, keep).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput, "{refused:?}");
        assert_nothing_recorded(&ctx).await;
    }

    #[tokio::test]
    async fn the_history_names_an_unlinked_card_by_its_last_digits_never_its_token_alone() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = wallet_with_app(dir.path()).await;
        grant_set(&ctx, receipts_on("tok_lost")).await.unwrap();
        grant_set(&ctx, receipts_on("tok_kept")).await.unwrap();
        unlink_lost_card(&ctx).await;
        let ledger = ledger_list(&ctx, LedgerListRequest::default())
            .await
            .unwrap();
        let mut cards: Vec<(&str, &str, bool)> = ledger
            .cards
            .iter()
            .map(|c| (c.token.as_str(), c.last4.as_str(), c.unlinked))
            .collect();
        cards.sort_unstable();
        // tok_a is named by no entry, so it is not listed.
        assert_eq!(
            cards,
            [("tok_kept", "1111", false), ("tok_lost", "0005", true)]
        );
    }

    #[tokio::test]
    async fn revoke_all_on_a_lost_card_leaves_other_cards_alone() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = wallet_with_app(dir.path()).await;
        grant_set(&ctx, receipts_on("tok_lost")).await.unwrap();
        grant_set(&ctx, receipts_on("tok_kept")).await.unwrap();

        let request = RevokeAllRequest {
            card_token: Some("tok_lost".into()),
            app_id: None,
        };
        let result = revoke_all(&ctx, request).await.unwrap();
        assert_eq!(result.revoked.len(), 1);
        assert_eq!(result.revoked[0].card_token, "tok_lost");

        let kept = grants_list(
            &ctx,
            GrantsListRequest {
                app_id: None,
                card_token: Some("tok_kept".into()),
            },
        )
        .await
        .unwrap();
        assert_eq!(kept.grants[0].status, GrantStatus::Active);
        let none = RevokeAllRequest {
            card_token: None,
            app_id: None,
        };
        assert_eq!(
            revoke_all(&ctx, none).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }

    #[tokio::test]
    async fn bad_grants_are_refused_and_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = wallet_with_app(dir.path()).await;
        let mut unknown_app = receipts_on("tok_a");
        unknown_app.app_id = "app_nope".into();
        assert_eq!(
            grant_set(&ctx, unknown_app).await.unwrap_err().code,
            ErrorCode::NotFound
        );
        let mut no_channel = receipts_on("tok_a");
        no_channel.channels.clear();
        assert_eq!(
            grant_set(&ctx, no_channel).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );
        let mut past = receipts_on("tok_a");
        past.expiry = GrantExpiry::Date {
            date: "2001-01-01".into(),
        };
        assert_eq!(
            grant_set(&ctx, past).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );
        let mut bad_currency = receipts_on("tok_a");
        bad_currency.min_purchase = Some(Money {
            minor: 1,
            currency: "XYZ".into(),
        });
        assert_eq!(
            grant_set(&ctx, bad_currency).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );

        assert_nothing_recorded(&ctx).await;
    }
}

#[path = "api/activity.rs"]
mod activity;

#[path = "api/rewards.rs"]
mod rewards;

#[path = "api/directory.rs"]
mod directory;

#[path = "api/notifications.rs"]
mod notifications;

#[path = "api/desktop.rs"]
mod desktop;

#[path = "api/export.rs"]
mod export;

#[path = "api/claims.rs"]
mod claims;

#[path = "api/wallet_fixtures.rs"]
mod wallet_fixtures;

#[path = "api/fuzz_corpus.rs"]
mod fuzz_corpus;

#[path = "api/support.rs"]
mod support;
