//! Validated constructors for user input: a value of these types is known to be
//! well-formed, so nothing past the service boundary re-checks it.

use super::ServiceError;
use confab_proto::UserId;
use unicode_normalization::UnicodeNormalization;

/// Length limits on free-text fields, in Unicode scalar values.
pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const DISPLAY_NAME_MAX: usize = 64;
pub const STATUS_TEXT_MAX: usize = 140;
pub const DEVICE_NAME_MAX: usize = 64;
/// Most users one lookup (profiles, presence) may name.
pub const USER_ID_LIST_MAX: usize = 200;

/// Names nobody may register, so that nobody can pose as the server or its staff.
const RESERVED_USERNAMES: &[&str] = &[
    // `@room` mentions the whole room.
    "room",
    "admin",
    "administrator",
    "confab",
    "moderator",
    "root",
    "support",
    "system",
];

/// A username: 3-32 ASCII letters, digits, `_`, `.` or `-`, starting with a letter
/// or digit. Restricting to ASCII rules out look-alike (homoglyph) names entirely;
/// display names carry the full range of Unicode instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username {
    display: String,
    key: String,
}

impl Username {
    pub fn parse(input: &str) -> Result<Self, ServiceError> {
        let len = input.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
            return Err(ServiceError::invalid(
                "username",
                format!("a username has {USERNAME_MIN} to {USERNAME_MAX} characters"),
            ));
        }
        if !input.chars().all(is_username_char) {
            return Err(ServiceError::invalid(
                "username",
                "a username may contain only letters a-z, digits, '_', '.' and '-'",
            ));
        }
        if !input.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(ServiceError::invalid(
                "username",
                "a username starts with a letter or a digit",
            ));
        }
        let key = input.to_ascii_lowercase();
        if RESERVED_USERNAMES.contains(&key.as_str()) {
            return Err(ServiceError::invalid(
                "username",
                "that username is reserved",
            ));
        }
        Ok(Self {
            display: input.to_owned(),
            key,
        })
    }

    /// As typed at sign-up.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// Case-folded form: equal for `Alice` and `alice`.
    pub fn key(&self) -> &str {
        &self.key
    }
}

fn is_username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The case-folded form of something typed into a sign-in or lookup field, or `None`
/// if no account could have it (so the lookup can be skipped).
pub fn username_key(input: &str) -> Option<String> {
    let ok = !input.is_empty()
        && input.chars().count() <= USERNAME_MAX
        && input.chars().all(is_username_char);
    ok.then(|| input.to_ascii_lowercase())
}

/// Normalises free text to NFC, trims it, rejects control characters and enforces
/// `min..=max` characters. Shared by every single-line text field.
pub fn single_line_text(
    field: &'static str,
    label: &str,
    input: &str,
    min: usize,
    max: usize,
) -> Result<String, ServiceError> {
    let text: String = input.trim().nfc().collect();
    if text.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            field,
            format!("{label} cannot contain control characters or line breaks"),
        ));
    }
    if text.chars().any(is_spoofing) {
        return Err(ServiceError::invalid(
            field,
            format!(
                "{label} cannot contain characters that reorder or hide text (bidirectional controls, zero-width spaces, line or paragraph separators)"
            ),
        ));
    }
    if min > 0 && text.chars().all(is_invisible) {
        return Err(ServiceError::invalid(
            field,
            format!("{label} needs at least one visible character"),
        ));
    }
    let len = text.chars().count();
    if len < min || len > max {
        let message = if min == 0 {
            format!("{label} has at most {max} characters")
        } else {
            format!("{label} has {min} to {max} characters")
        };
        return Err(ServiceError::invalid(field, message));
    }
    Ok(text)
}

/// Characters refused in names and one-line texts because they reorder or hide the
/// text around them: bidirectional embeddings, overrides, isolates and marks
/// (`"Bob\u{202E}gnp.exe"` shows as "Bobexe.png"), zero-width spaces and joiners
/// that are not part of a script, the byte-order mark, and line and paragraph
/// separators.
fn is_spoofing(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Characters that take no visible space. They are allowed inside text (the
/// zero-width joiner builds emoji and some scripts need the non-joiner), but a name
/// made only of them would look empty.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FFA0}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// A display name: 1-64 characters of any script, NFC-normalised, one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, ServiceError> {
        single_line_text("display_name", "a display name", input, 1, DISPLAY_NAME_MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A status line ("In a meeting"): up to 140 characters, may be empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusText(String);

impl StatusText {
    pub fn parse(input: &str) -> Result<Self, ServiceError> {
        single_line_text("status_text", "a status", input, 0, STATUS_TEXT_MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The label of a device session; "Unknown device" when the client gives none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceName(String);

impl DeviceName {
    pub fn parse(input: Option<&str>) -> Result<Self, ServiceError> {
        match input {
            None => Ok(Self("Unknown device".to_owned())),
            Some(name) => {
                single_line_text("device_name", "a device name", name, 1, DEVICE_NAME_MAX).map(Self)
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_documented_rules() {
        for ok in [
            "abc",
            "Alice",
            "bob_99",
            "x.y-z",
            "0day",
            "a23456789012345678901234567890ab",
        ] {
            assert!(Username::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "ab",
            "",
            "_alice",
            ".bob",
            "al ice",
            "alíce",
            "a23456789012345678901234567890abc",
            "Admin",
            "a/b",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn username_key_folds_case() {
        assert_eq!(Username::parse("AlIcE").unwrap().key(), "alice");
        assert_eq!(Username::parse("AlIcE").unwrap().as_str(), "AlIcE");
        assert_eq!(username_key("BOB"), Some("bob".to_owned()));
        assert_eq!(username_key("b o b"), None);
    }

    #[test]
    fn display_names_are_normalised_and_bounded() {
        // "e" + combining acute accent becomes the single precomposed character.
        assert_eq!(
            DisplayName::parse("  Rene\u{301}  ").unwrap().as_str(),
            "Ren\u{e9}"
        );
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("two\nlines").is_err());
        assert!(DisplayName::parse(&"x".repeat(DISPLAY_NAME_MAX)).is_ok());
        assert!(DisplayName::parse(&"x".repeat(DISPLAY_NAME_MAX + 1)).is_err());
        assert_eq!(DisplayName::parse("李小龍").unwrap().as_str(), "李小龍");
        // Spoofing: a right-to-left override, separators, names that look empty.
        assert!(DisplayName::parse("Bob\u{202E}gnp.exe").is_err());
        assert!(DisplayName::parse("Bob\u{2028}Alice").is_err());
        assert!(DisplayName::parse("\u{200B}\u{200B}").is_err());
        assert!(DisplayName::parse("\u{3164}").is_err());
        assert!(DisplayName::parse("\u{200D}\u{FE0F}").is_err());
        // Joiners inside real text stay: a family emoji, a Persian word.
        assert!(DisplayName::parse("👨\u{200D}👩\u{200D}👧").is_ok());
        assert!(DisplayName::parse("می\u{200C}خواهم").is_ok());
        assert!(StatusText::parse("").is_ok());
        assert!(StatusText::parse("away \u{202E}").is_err());
    }

    #[test]
    fn status_may_be_empty_but_not_long() {
        assert_eq!(StatusText::parse("").unwrap().as_str(), "");
        assert!(StatusText::parse(&"s".repeat(STATUS_TEXT_MAX + 1)).is_err());
    }

    #[test]
    fn device_name_has_a_default() {
        assert_eq!(DeviceName::parse(None).unwrap().as_str(), "Unknown device");
        assert!(DeviceName::parse(Some("")).is_err());
    }
}

/// A comma-separated list of user ids from a query string (`1,2,3`): at most
/// [`USER_ID_LIST_MAX`], each once, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserIdList(Vec<UserId>);

impl UserIdList {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, ServiceError> {
        let too_many =
            || ServiceError::invalid(field, format!("name 1 to {USER_ID_LIST_MAX} users"));
        let mut ids: Vec<UserId> = Vec::new();
        for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let id = part.parse::<i64>().map(UserId).map_err(|_| {
                ServiceError::invalid(
                    field,
                    format!("{field} is a comma-separated list of user ids"),
                )
            })?;
            if !ids.contains(&id) {
                // Stop at once: the duplicate check costs the list's length each time.
                if ids.len() == USER_ID_LIST_MAX {
                    return Err(too_many());
                }
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return Err(too_many());
        }
        Ok(Self(ids))
    }

    pub fn ids(&self) -> &[UserId] {
        &self.0
    }
}

#[cfg(test)]
mod user_id_list_tests {
    use super::*;

    #[test]
    fn parses_dedupes_and_limits() {
        let list = UserIdList::parse("ids", " 3, 1,3,,2 ").unwrap();
        assert_eq!(list.ids(), &[UserId(3), UserId(1), UserId(2)]);
        assert!(UserIdList::parse("ids", "").is_err());
        assert!(UserIdList::parse("ids", "1,x").is_err());
        let most: Vec<String> = (1..=USER_ID_LIST_MAX).map(|i| i.to_string()).collect();
        assert!(UserIdList::parse("ids", &most.join(",")).is_ok());
        let many: Vec<String> = (1..=100_000).map(|i| i.to_string()).collect();
        assert!(UserIdList::parse("ids", &many.join(",")).is_err());
        let many: Vec<String> = (0..=USER_ID_LIST_MAX).map(|i| i.to_string()).collect();
        assert!(UserIdList::parse("ids", &many.join(",")).is_err());
        assert!(UserIdList::parse("ids", &many[1..].join(",")).is_ok());
    }
}
