use chrono::{DateTime, Utc};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn access_and_deletion_requests_have_a_due_date() {
    let p = start().await;
    let w = p.enroll().await;
    let (status, access) = w
        .post(
            "/v1/data-requests",
            json!({"app_id": "app_beanstamp", "kind": "access"}),
        )
        .await;
    assert_eq!(status, 201, "{access}");
    assert_eq!(access["status"], "received");
    assert_eq!(access["kind"], "access");
    let created: DateTime<Utc> = access["created_at"].as_str().unwrap().parse().unwrap();
    let due: DateTime<Utc> = access["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((due - created).num_days(), 30);
    let (_, deletion) = w
        .post(
            "/v1/data-requests",
            json!({"app_id": "app_quire", "kind": "deletion"}),
        )
        .await;
    let (status, list) = w.get("/v1/data-requests").await;
    assert_eq!(status, 200);
    assert_eq!(list["data_requests"], json!([access, deletion]));
    assert_error(
        &w.post(
            "/v1/data-requests",
            json!({"app_id": "app_nope", "kind": "access"}),
        )
        .await,
        422,
        "app_not_found",
    );
    let other = p.enroll().await;
    let (_, theirs) = other.get("/v1/data-requests").await;
    assert_eq!(theirs["data_requests"], json!([]));
}
