//! The platform answers at all: health and its contract document.

use reqwest::Method;

use crate::failure::{ensure, Checked};
use crate::http::Target;

/// `GET /healthz` is `{"status": "ok"}` and `GET /openapi.json` an OpenAPI 3.1 document
/// with the event feed in it.
pub async fn health(t: &Target) -> Checked {
    let reply = t.call(Method::GET, "/healthz").send().await?;
    ensure!(
        reply.expect(200)?["status"] == "ok",
        "expected {{\"status\": \"ok\"}}: {}",
        reply.describe()
    );
    let reply = t.call(Method::GET, "/openapi.json").send().await?;
    let document = reply.expect(200)?;
    ensure!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "/openapi.json is not an OpenAPI 3.1 document: {}",
        reply.describe()
    );
    ensure!(
        document["paths"]["/v1/events"].is_object(),
        "/openapi.json has no /v1/events path"
    );
    Ok(())
}
