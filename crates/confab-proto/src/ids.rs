//! Typed identifiers. Each is a number on the wire, but a distinct type in Rust so a
//! session id can never be passed where a user id is expected.

/// Declares a typed id: a transparent `i64` newtype.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies an account.
    UserId
);
id_type!(
    /// Identifies one signed-in device session of an account.
    SessionId
);

id_type!(
    /// Identifies a room (a direct conversation or a group).
    RoomId
);
id_type!(
    /// Position of an event in the server's global event log. Increases with every
    /// stored event in commit order; a client's resume cursor is the last one it saw.
    EventId
);
