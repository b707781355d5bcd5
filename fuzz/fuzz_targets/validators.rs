//! The validated constructors of user input (`confab_server::service::validate`):
//! they must never panic, and what they accept must follow their documented rules.
#![no_main]

use confab_server::service::validate::{
    DEVICE_NAME_MAX, DISPLAY_NAME_MAX, DeviceName, DisplayName, STATUS_TEXT_MAX, StatusText,
    USER_ID_LIST_MAX, USERNAME_MAX, USERNAME_MIN, UserIdList, Username, single_line_text,
    username_key,
};
use libfuzzer_sys::fuzz_target;

fn username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// What every accepted one-line text is: trimmed, no control characters, `min..=max`
/// characters, and a fixed point of validation (validating it again changes nothing).
fn check_text(text: &str, min: usize, max: usize) {
    let len = text.chars().count();
    assert!((min..=max).contains(&len), "{len} characters in {text:?}");
    assert_eq!(text, text.trim(), "untrimmed {text:?}");
    assert!(!text.chars().any(char::is_control), "control in {text:?}");
    let again = single_line_text("field", "a text", text, min, max);
    assert_eq!(
        again.as_deref().ok(),
        Some(text),
        "not a fixed point: {text:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };

    if let Ok(name) = Username::parse(input) {
        let len = name.as_str().chars().count();
        assert!((USERNAME_MIN..=USERNAME_MAX).contains(&len), "{input:?}");
        assert_eq!(name.as_str(), input);
        assert!(name.as_str().chars().all(username_char), "{input:?}");
        assert!(
            name.as_str()
                .starts_with(|c: char| c.is_ascii_alphanumeric())
        );
        assert_eq!(name.key(), input.to_ascii_lowercase());
        assert!(!name.key().chars().any(|c| c.is_ascii_uppercase()));
        // Signing in with the name as typed finds the same account.
        assert_eq!(username_key(input).as_deref(), Some(name.key()));
    }
    if let Some(key) = username_key(input) {
        assert!(
            !key.is_empty() && key.chars().count() <= USERNAME_MAX,
            "{input:?}"
        );
        assert!(key.chars().all(username_char), "{input:?}");
        assert_eq!(key, key.to_ascii_lowercase());
    }
    if let Ok(name) = DisplayName::parse(input) {
        check_text(name.as_str(), 1, DISPLAY_NAME_MAX);
    }
    if let Ok(status) = StatusText::parse(input) {
        check_text(status.as_str(), 0, STATUS_TEXT_MAX);
    }
    if let Ok(device) = DeviceName::parse(Some(input)) {
        check_text(device.as_str(), 1, DEVICE_NAME_MAX);
    }
    if let Ok(list) = UserIdList::parse("ids", input) {
        let ids = list.ids();
        assert!((1..=USER_ID_LIST_MAX).contains(&ids.len()), "{input:?}");
        for (i, id) in ids.iter().enumerate() {
            assert!(!ids[..i].contains(id), "{id:?} twice in {input:?}");
        }
    }
});
