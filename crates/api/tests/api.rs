//! The api crate's integration tests: the IPC surface and its use cases.

mod bindings_drift {
    use std::path::PathBuf;

    #[test]
    fn committed_typescript_bindings_match_the_rust_types() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(consentry_api::bindings::BINDINGS_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == consentry_api::bindings::render(),
            "{} is out of date with the Rust DTOs: run `make bindings` and commit the result",
            path.display()
        );
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
        let ctx = Context::new(ContextOptions {
            data_dir: dir.path().to_path_buf(),
            platform_url: Some("http://127.0.0.1:9".into()),
            version: "1.2.3".into(),
        });
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
