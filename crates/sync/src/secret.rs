//! Secrets the platform hands out: the device's bearer token and the cardholder secret that
//! enrolls further devices. Typed so they cannot leak by accident: `Debug` prints
//! `<redacted>`, there is no `Display` or `Serialize`, and the text is wiped on drop.

use zeroize::Zeroizing;

macro_rules! secret {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            pub fn new(value: String) -> Self {
                Self(Zeroizing::new(value))
            }

            /// The secret text, for the one place that must send or store it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}(<redacted>)", stringify!($name))
            }
        }
    };
}

secret! {
    /// This device's bearer token for every platform call after enrollment.
    DeviceToken
}

secret! {
    /// The cardholder secret returned when a new cardholder is created; with the cardholder
    /// id it enrolls further devices.
    CardholderSecret
}

secret! {
    /// The platform operator's token (`/v1/admin/*`, publishing an app's terms). The app holds
    /// one only for the embedded demo platform it started itself (its demo controls).
    OperatorToken
}

/// What adds a device to an existing cardholder.
#[derive(Clone, PartialEq, Eq)]
pub struct CardholderCredentials {
    pub cardholder_id: String,
    pub secret: CardholderSecret,
}

impl std::fmt::Debug for CardholderCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardholderCredentials")
            .field("cardholder_id", &self.cardholder_id)
            .field("secret", &self.secret)
            .finish()
    }
}
