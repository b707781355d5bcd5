//! The store's own names for the protocol's enums (roles, who may join a room, who
//! may post in it), in columns and in the JSON of stored events. They are written
//! here once, so renaming a protocol value never changes a stored row.

/// A module `$module` with `name`, `parse` and serde's `serialize`/`deserialize`
/// (for `#[serde(with = "...")]`) for `$ty`, by the stored names given.
macro_rules! stored_names {
    ($(#[$doc:meta])* $module:ident: $ty:ty, $what:literal, { $($variant:path => $name:literal),+ $(,)? }) => {
        $(#[$doc])*
        pub(super) mod $module {
            use serde::{Deserialize as _, Deserializer, Serializer};

            pub fn name(value: $ty) -> &'static str {
                match value {
                    $($variant => $name),+
                }
            }

            pub fn parse(name: &str) -> Option<$ty> {
                match name {
                    $($name => Some($variant),)+
                    _ => None,
                }
            }

            pub fn serialize<S: Serializer>(value: &$ty, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(name(*value))
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                let text = String::deserialize(deserializer)?;
                parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(concat!("unknown ", $what, " {:?}"), text))
                })
            }
        }
    };
}

stored_names!(
    /// Roles as stored.
    stored_role: confab_proto::rooms::Role, "role", {
        confab_proto::rooms::Role::Owner => "owner",
        confab_proto::rooms::Role::Admin => "admin",
        confab_proto::rooms::Role::Member => "member",
    }
);

stored_names!(
    /// Who may join a room, as stored.
    stored_visibility: confab_proto::rooms::RoomVisibility, "visibility", {
        confab_proto::rooms::RoomVisibility::Private => "private",
        confab_proto::rooms::RoomVisibility::Public => "public",
    }
);

stored_names!(
    /// Who may post in a room, as stored.
    stored_posting: confab_proto::rooms::PostingPolicy, "posting policy", {
        confab_proto::rooms::PostingPolicy::Everyone => "everyone",
        confab_proto::rooms::PostingPolicy::Admins => "admins",
    }
);

stored_names!(
    /// Who may pin messages in a room, as stored.
    stored_pinning: confab_proto::rooms::PinPolicy, "pinning policy", {
        confab_proto::rooms::PinPolicy::Admins => "admins",
        confab_proto::rooms::PinPolicy::Everyone => "everyone",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use confab_proto::rooms::{PostingPolicy, Role, RoomVisibility};

    #[test]
    fn names_read_back_as_what_they_name() {
        for role in [Role::Owner, Role::Admin, Role::Member] {
            assert_eq!(stored_role::parse(stored_role::name(role)), Some(role));
        }
        for visibility in [RoomVisibility::Private, RoomVisibility::Public] {
            let name = stored_visibility::name(visibility);
            assert_eq!(stored_visibility::parse(name), Some(visibility));
        }
        for posting in [PostingPolicy::Everyone, PostingPolicy::Admins] {
            assert_eq!(
                stored_posting::parse(stored_posting::name(posting)),
                Some(posting)
            );
        }
        assert_eq!(stored_visibility::parse("Public"), None);
        assert_eq!(stored_posting::name(PostingPolicy::Admins), "admins");
    }
}
