//! Closed vocabularies with fixed snake_case wire names.
//!
//! `as_str` and `FromStr` use exactly the serde names, so a value read from SQL, a CLI
//! flag or JSON always means the same thing.

/// A name that is not one of the known values of a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {expected}")]
pub struct UnknownName {
    /// Which vocabulary: "scope", "channel", ...
    pub what: &'static str,
    /// The rejected input, verbatim.
    pub value: String,
    /// The accepted names, comma separated.
    pub expected: String,
}

/// Declares a fieldless enum with its wire names, `ALL`, `as_str`, `Display` and `FromStr`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The wire name (identical to the serde form).
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $wire, )+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $wire => Ok($name::$variant), )+
                    _ => Err($crate::UnknownName {
                        what: $what,
                        value: s.to_owned(),
                        expected: [$( $wire ),+].join(", "),
                    }),
                }
            }
        }
    };
}
