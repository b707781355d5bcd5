//! Value parsers of the option declarations: durations and numbers within limits,
//! so that clap reports an out-of-range value like any other malformed one.

use clap::builder::TypedValueParser;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

/// Value parser: a duration written the human way, `15m`, `30days`, `1h 30m`, `500ms`.
pub(super) fn duration(text: &str) -> Result<Duration, humantime::DurationError> {
    humantime::parse_duration(text)
}

/// Value parser: a duration above zero.
pub(super) fn duration_above_zero(text: &str) -> Result<Duration, String> {
    match duration(text) {
        Ok(value) if value.is_zero() => Err("must be above zero".to_owned()),
        parsed => parsed.map_err(|e| e.to_string()),
    }
}

/// Value parser: a duration of at least `min`.
pub(super) fn duration_at_least(min: Duration) -> impl TypedValueParser<Value = Duration> {
    move |text: &str| match duration(text) {
        Ok(value) if value < min => Err(format!(
            "must be at least {}",
            humantime::format_duration(min)
        )),
        parsed => parsed.map_err(|e| e.to_string()),
    }
}

/// Value parser: a whole number of at least `min`.
pub(super) fn at_least<T: Number>(min: T) -> impl TypedValueParser<Value = T> {
    number_in(min, None)
}

/// Value parser: a whole number from `min` to `max`.
pub(super) fn between<T: Number>(min: T, max: T) -> impl TypedValueParser<Value = T> {
    number_in(min, Some(max))
}

/// What [`at_least`] and [`between`] need of a number type.
pub(super) trait Number:
    FromStr<Err: Display> + PartialOrd + Display + Clone + Send + Sync + 'static
{
}
impl<T> Number for T where
    T: FromStr<Err: Display> + PartialOrd + Display + Clone + Send + Sync + 'static
{
}

pub(super) fn number_in<T: Number>(min: T, max: Option<T>) -> impl TypedValueParser<Value = T> {
    move |text: &str| {
        let value: T = text.parse().map_err(|e: T::Err| e.to_string())?;
        match &max {
            None if value < min => Err(format!("must be at least {min}")),
            Some(max) if value < min || value > *max => {
                Err(format!("must be between {min} and {max}"))
            }
            _ => Ok(value),
        }
    }
}
