//! The platform reaches PostgreSQL over TLS (`sslmode=verify-full`), as it must when the
//! database is on another host: its connections are encrypted, and a server whose certificate
//! it cannot verify is refused before anything is sent (skipped without a test cluster, see
//! `consentry_testkit::postgres`).

use consentry_platform::{DataLocation, DatabaseUrl, PlatformConfig};
use consentry_testkit::postgres::{self, Tls};
use sqlx::Connection as _;

use crate::support::*;

fn over(url: &str) -> PlatformConfig {
    PlatformConfig {
        data: DataLocation::Postgres(DatabaseUrl::postgres(url).unwrap()),
        ..config()
    }
}

/// The cluster's URL, its TLS listener and a new database on it, or `None` without a cluster.
async fn tls_database(test: &str) -> Option<(String, Tls, String)> {
    let cluster = postgres::cluster(test)?;
    let database = postgres::create_database(&cluster).await;
    let tls = Tls::of(&cluster);
    Some((cluster, tls, database))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_on_postgres_over_verified_tls_serves_and_every_connection_is_encrypted() {
    let Some((cluster, tls, database)) = tls_database("postgres_over_tls").await else {
        return;
    };
    let p = start_with(over(&tls.url(&database, Some(&tls.ca)))).await;
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    w.purchase(&card, 450, "EUR", "Café Lumière", "nfc").await;
    assert_eq!(w.count_events("transaction.authorized").await, 1);

    // What the server sees of the platform's connections (read over the socket).
    let mut admin = sqlx::PgConnection::connect(&cluster).await.unwrap();
    let (connections, encrypted): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE s.ssl)
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1",
    )
    .bind(&database)
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert!(connections > 0, "the platform is connected");
    assert_eq!(
        encrypted, connections,
        "every connection of the platform is TLS"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_server_whose_certificate_does_not_verify_is_refused() {
    let Some((_, tls, database)) = tls_database("postgres_tls_unverified").await else {
        return;
    };
    // Signed by a CA this platform was not told to trust, and by none of the system's: what a
    // server in the middle would present.
    for root in [Some(tls.other_ca.as_path()), None] {
        let url = tls.url(&database, root);
        match consentry_platform::serve(over(&url)).await {
            Ok(_) => panic!("connected to a server it cannot verify ({root:?})"),
            Err(error) => {
                let said = error.to_string();
                assert!(
                    said.contains("certificate"),
                    "the refusal names the certificate ({root:?}): {said}"
                );
                assert!(!said.contains("consentry@"), "no URL in the error: {said}");
            }
        }
    }
}
