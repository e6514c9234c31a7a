//! Starting and stopping a platform: [`serve`] binds, migrates, seeds, spawns the HTTP
//! server and the background tasks, and hands back a [`RunningPlatform`].

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::PlatformConfig;
#[cfg(feature = "postgres")]
use crate::db::DataLocation;
use crate::error::PlatformError;
use crate::faults::Faults;
use crate::fingerprints::FingerprintKey;
use crate::keys::KeyRing;
#[cfg(feature = "postgres")]
use crate::listener;
use crate::state::{AppState, StateParts};
use crate::{db, router, seed, settler, simulator};

/// How long [`RunningPlatform::shutdown`] waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A platform serving in this process. Dropping it stops the server (without waiting).
pub struct RunningPlatform {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<Result<(), PlatformError>>>,
}

impl RunningPlatform {
    /// The bound address (the real port when the configuration asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests, lets in-flight ones finish (long-polls return at once),
    /// and waits for the server to end, at most a few seconds.
    pub async fn shutdown(mut self) -> Result<(), PlatformError> {
        self.shutdown.send_replace(true);
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(PlatformError::Task(join.to_string())),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }

    /// Waits until the server ends on its own (it only does on an I/O failure or after
    /// [`RunningPlatform::shutdown`] from elsewhere); for the binary.
    pub async fn wait(mut self) -> Result<(), PlatformError> {
        match self.task.take() {
            Some(task) => task.await.map_err(|e| PlatformError::Task(e.to_string()))?,
            None => Ok(()),
        }
    }

    /// A handle that stops the server when sent `true` (e.g. from a signal handler).
    pub fn shutdown_signal(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

impl Drop for RunningPlatform {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

/// Starts a platform: opens and migrates its database, seeds the app directory, loads or
/// makes the signing keys, binds `config.listen` and serves until shut down.
pub async fn serve(config: PlatformConfig) -> Result<RunningPlatform, PlatformError> {
    config.faults.validate().map_err(PlatformError::Config)?;
    if config.max_body_bytes < 1024 {
        return Err(PlatformError::Config(
            "max_body_bytes must be at least 1024".into(),
        ));
    }
    let pool = db::open(&config.data).await?;
    let now = Utc::now();
    seed::seed_directory(&pool, now).await?;
    let keys = KeyRing::load_or_create(&pool, config.signing_seed, config.key_overlap, now).await?;
    let fingerprints = FingerprintKey::load_or_create(&pool).await?;
    #[cfg(feature = "postgres")]
    let notifications = match &config.data {
        DataLocation::Postgres(url) => Some((listener::connect(url).await?, url.clone())),
        _ => None,
    };
    let listener =
        TcpListener::bind(config.listen)
            .await
            .map_err(|source| PlatformError::Bind {
                addr: config.listen,
                source,
            })?;
    let addr = listener
        .local_addr()
        .map_err(|source| PlatformError::Bind {
            addr: config.listen,
            source,
        })?;

    let (shutdown, shutdown_rx) = watch::channel(false);
    let state = AppState::new(StateParts {
        db: pool,
        keys,
        fingerprints,
        faults: Faults::new(config.faults.clone()),
        max_wait: config.max_wait,
        admin_token: config.admin_token.clone(),
        shutdown: shutdown_rx.clone(),
    });
    #[cfg(feature = "postgres")]
    if let Some((notifications, url)) = notifications {
        tokio::spawn(listener::run(notifications, url, state.clone()));
    }
    tokio::spawn(settler::run(state.clone()));
    if config.simulator.enabled {
        tokio::spawn(simulator::run(state.clone(), config.simulator.clone()));
    }
    let app = router::router(state.clone(), config.max_body_bytes);
    let mut stop = shutdown_rx;
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // An error means the handle is gone: stop as well.
                let _ = stop.wait_for(|stopped| *stopped).await;
            })
            .await;
        state.db.close().await;
        served.map_err(PlatformError::Serve)
    });
    tracing::info!(%addr, "consentry platform listening");
    Ok(RunningPlatform {
        addr,
        shutdown,
        task: Some(task),
    })
}
