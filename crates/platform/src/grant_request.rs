//! The body of `PUT /v1/grants/{grant_id}` (without its `signed` field), as a device sends it:
//! what [`crate::grant_changes`] applies and [`crate::consent_signatures`] checks the signed
//! statement against.

/// The request body, tagged by `action` (without its `signed` field, which
/// [`crate::consent_signatures`] takes off first).
pub use consentry_wire::GrantChange;
