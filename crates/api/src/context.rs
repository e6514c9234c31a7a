//! The one context built at start-up and shared by every command.

use std::path::{Path, PathBuf};

/// What the shell or the CLI resolved at start-up.
#[derive(Debug, Clone)]
pub struct ContextOptions {
    pub data_dir: PathBuf,
    pub platform_url: Option<String>,
    /// The version of the binary that hosts this context (the app's or the CLI's).
    pub version: String,
}

/// Shared state for every command. Cheap to share behind a reference; it holds no locks.
#[derive(Debug)]
pub struct Context {
    options: ContextOptions,
}

impl Context {
    pub fn new(options: ContextOptions) -> Self {
        Self { options }
    }

    pub fn data_dir(&self) -> &Path {
        &self.options.data_dir
    }

    pub fn platform_url(&self) -> Option<&str> {
        self.options.platform_url.as_deref()
    }

    pub fn version(&self) -> &str {
        &self.options.version
    }
}
