//! Mention parsing: the `@name` candidates the server looks up when a text message is
//! sent. It must never panic, and every candidate must be a name an account could
//! have (a lower-cased username), found once, and written in the text after an `@`.
#![no_main]

use confab_server::service::rooms::mentioned_names;
use confab_server::service::validate::Username;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let names = mentioned_names(text);
    let lower = text.to_ascii_lowercase();
    for (i, name) in names.iter().enumerate() {
        let parsed = Username::parse(name);
        assert!(
            parsed.as_ref().is_ok_and(|u| u.key() == name),
            "{name:?} from {text:?} is not a username key ({parsed:?})"
        );
        assert!(!names[..i].contains(name), "{name:?} twice from {text:?}");
        assert!(
            lower.contains(&format!("@{name}")),
            "{name:?} not in {text:?}"
        );
    }
});
