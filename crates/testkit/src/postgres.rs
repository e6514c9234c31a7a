//! PostgreSQL for the reference platform's tests. `CONSENTRY_TEST_POSTGRES` is the URL of a
//! throwaway cluster (`scripts/pg-cluster.sh start DIR` prints it; `make test` starts one and
//! removes it after); each test gets a database of its own on it.
//!
//! Without the variable the PostgreSQL tests skip, saying so — unless `CI_REQUIRE_POSTGRES`
//! is set, where a skip would hide that they never ran: then they fail.

#![allow(
    clippy::expect_used,
    clippy::print_stderr,
    reason = "test support: a cluster that cannot make a database ends the test, and a skip is said"
)]

use consentry_platform::DatabaseUrl;
use sqlx::Connection as _;

/// The environment variable holding the cluster's URL.
pub const ENV: &str = "CONSENTRY_TEST_POSTGRES";

/// The cluster's URL, or `None` (the test should return: it was told why on stderr).
///
/// # Panics
/// When `CI_REQUIRE_POSTGRES` is set and there is no cluster.
pub fn cluster(test: &str) -> Option<String> {
    match std::env::var(ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI_REQUIRE_POSTGRES").is_none(),
                "{test}: {ENV} is not set but CI_REQUIRE_POSTGRES is (start a cluster with scripts/pg-cluster.sh)"
            );
            eprintln!("{test}: skipped, {ENV} is not set (scripts/pg-cluster.sh starts a cluster)");
            None
        }
    }
}

/// A throwaway cluster started here (`scripts/pg-cluster.sh`), stopped and removed when
/// dropped; for benchmarks, which `make bench` runs without one.
pub struct Cluster {
    dir: tempfile::TempDir,
    url: String,
}

impl Cluster {
    /// Starts one in a temporary directory.
    ///
    /// # Panics
    /// When PostgreSQL is not installed or the cluster does not start.
    pub fn start() -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("consentry-pg.")
            .tempdir()
            .expect("a temporary directory");
        let output = std::process::Command::new(script())
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("run scripts/pg-cluster.sh");
        assert!(
            output.status.success(),
            "the PostgreSQL cluster did not start: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let url = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        Cluster { dir, url }
    }

    /// The cluster's URL (its `postgres` database).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script())
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-cluster.sh")
}

/// A new, empty database on the cluster at `cluster_url`, for one test.
///
/// # Panics
/// When the cluster cannot be reached or refuses to make it.
pub async fn fresh_database(cluster_url: &str) -> DatabaseUrl {
    let name = create_database(cluster_url).await;
    DatabaseUrl::postgres(&with_database(cluster_url, &name)).expect("a postgres URL")
}

/// Creates a new, empty database on the cluster and returns its name.
///
/// # Panics
/// When the cluster cannot be reached or refuses to make it.
pub async fn create_database(cluster_url: &str) -> String {
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(cluster_url)
        .await
        .expect("connect to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let _ = admin.close().await;
    name
}

/// The cluster's TLS listener (`scripts/pg-cluster.sh` starts one beside the socket): its
/// port on 127.0.0.1, the CA that signed its certificate, and a CA that signed nothing there.
#[derive(Debug, Clone)]
pub struct Tls {
    pub port: u16,
    pub ca: std::path::PathBuf,
    pub other_ca: std::path::PathBuf,
}

impl Tls {
    /// The listener of the cluster at `cluster_url` (its `host=` directory holds `tls/`).
    ///
    /// # Panics
    /// When the URL names no socket directory or the directory has no `tls/port`.
    pub fn of(cluster_url: &str) -> Tls {
        let dir = cluster_url
            .split_once('?')
            .and_then(|(_, query)| query.split('&').find_map(|p| p.strip_prefix("host=")))
            .map(|dir| std::path::Path::new(dir).join("tls"))
            .expect("the cluster URL names its socket directory");
        let port = std::fs::read_to_string(dir.join("port"))
            .expect("the cluster's TLS port")
            .trim()
            .parse()
            .expect("a port number");
        Tls {
            port,
            ca: dir.join("ca.crt"),
            other_ca: dir.join("other-ca.crt"),
        }
    }

    /// A URL for `database` over TLS to 127.0.0.1 with `sslmode=verify-full`: the server's
    /// certificate must chain to `root` (or, without one, to the system's CAs) and name
    /// 127.0.0.1.
    pub fn url(&self, database: &str, root: Option<&std::path::Path>) -> String {
        let mut url = format!(
            "postgres://consentry@127.0.0.1:{}/{database}?sslmode=verify-full",
            self.port
        );
        if let Some(root) = root {
            url.push_str(&format!("&sslrootcert={}", root.display()));
        }
        url
    }
}

/// `url` naming database `name` instead of its own (`postgres://u@h/db?host=…`).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| {
        i + 3 + base[i + 3..].find('/').unwrap_or(base.len() - i - 3)
    });
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced_keeping_host_and_query() {
        assert_eq!(
            with_database("postgres://consentry@localhost/postgres?host=/tmp/x", "t_1"),
            "postgres://consentry@localhost/t_1?host=/tmp/x"
        );
        assert_eq!(
            with_database("postgres://u:p@db.example:5432/app", "t_2"),
            "postgres://u:p@db.example:5432/t_2"
        );
        assert_eq!(with_database("postgres://u@h", "t_3"), "postgres://u@h/t_3");
    }
}
