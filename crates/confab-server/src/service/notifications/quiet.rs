//! Do-not-disturb: switched on until a time, or quiet hours every day (or on some
//! days) in the user's time zone, daylight saving time included.

use crate::clock::Millis;
use crate::service::{ServiceError, ServiceResult};
use crate::store::notifications::{QuietHoursRecord, SettingsRecord};
use confab_proto::notifications::QuietHours;

/// True if do-not-disturb is in effect for these settings at `now`.
pub fn dnd_active(settings: &SettingsRecord, now: Millis) -> bool {
    settings.dnd_until.is_some_and(|until| until > now)
        || settings
            .quiet_hours
            .as_ref()
            .is_some_and(|quiet| in_quiet_hours(quiet, now))
}

fn in_quiet_hours(quiet: &QuietHoursRecord, now: Millis) -> bool {
    let Ok(zone) = jiff::tz::TimeZone::get(&quiet.time_zone) else {
        return false;
    };
    let Ok(instant) = jiff::Timestamp::from_millisecond(now) else {
        return false;
    };
    let local = instant.to_zoned(zone);
    let minute =
        u16::from(local.hour().unsigned_abs()) * 60 + u16::from(local.minute().unsigned_abs());
    let today = local.weekday().to_monday_zero_offset().unsigned_abs();
    let yesterday = (today + 6) % 7;
    let starts_on = |day: u8| quiet.days.is_empty() || quiet.days.contains(&day);
    let (start, end) = (quiet.start_minute, quiet.end_minute);
    if start < end {
        starts_on(today) && (start..end).contains(&minute)
    } else {
        // Past midnight: the evening part today, the morning part after yesterday's start.
        (minute >= start && starts_on(today)) || (minute < end && starts_on(yesterday))
    }
}

/// `HH:MM` as minutes after midnight.
fn parse_time(field: &'static str, text: &str) -> ServiceResult<u16> {
    let invalid = || {
        ServiceError::invalid(
            field,
            format!("{field} must be a time HH:MM, such as 22:00"),
        )
    };
    let (hours, minutes) = text.split_once(':').ok_or_else(invalid)?;
    if hours.len() != 2 || minutes.len() != 2 {
        return Err(invalid());
    }
    let hours: u16 = hours.parse().map_err(|_| invalid())?;
    let minutes: u16 = minutes.parse().map_err(|_| invalid())?;
    if hours > 23 || minutes > 59 {
        return Err(invalid());
    }
    Ok(hours * 60 + minutes)
}

fn format_time(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Checks quiet hours from the wire and turns them into the stored form.
pub fn quiet_hours_record(quiet: &QuietHours) -> ServiceResult<QuietHoursRecord> {
    let start_minute = parse_time("start", &quiet.start)?;
    let end_minute = parse_time("end", &quiet.end)?;
    if start_minute == end_minute {
        return Err(ServiceError::invalid(
            "end",
            "quiet hours must end at another time than they start",
        ));
    }
    if jiff::tz::TimeZone::get(&quiet.time_zone).is_err() {
        return Err(ServiceError::invalid(
            "time_zone",
            format!(
                "unknown time zone {:?}; use an IANA name such as Europe/Berlin",
                quiet.time_zone
            ),
        ));
    }
    if quiet.days.iter().any(|d| *d > 6) {
        return Err(ServiceError::invalid(
            "days",
            "days are 0 (Monday) to 6 (Sunday)",
        ));
    }
    let mut days = quiet.days.clone();
    days.sort_unstable();
    days.dedup();
    Ok(QuietHoursRecord {
        start_minute,
        end_minute,
        time_zone: quiet.time_zone.clone(),
        days,
    })
}

/// The wire form of stored quiet hours.
pub fn quiet_hours_wire(record: &QuietHoursRecord) -> QuietHours {
    QuietHours {
        start: format_time(record.start_minute),
        end: format_time(record.end_minute),
        time_zone: record.time_zone.clone(),
        days: record.days.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Millis {
        rfc3339.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    fn quiet(start: &str, end: &str, zone: &str, days: Vec<u8>) -> SettingsRecord {
        SettingsRecord {
            quiet_hours: Some(
                quiet_hours_record(&QuietHours {
                    start: start.into(),
                    end: end.into(),
                    time_zone: zone.into(),
                    days,
                })
                .unwrap(),
            ),
            ..SettingsRecord::default()
        }
    }

    #[test]
    fn overnight_quiet_hours_follow_the_time_zone_and_its_summer_time() {
        let settings = quiet("22:00", "07:00", "Europe/Berlin", vec![]);
        // 23:30 in Berlin in winter (UTC+1) and in summer (UTC+2).
        assert!(dnd_active(&settings, at("2026-01-15T22:30:00Z")));
        assert!(dnd_active(&settings, at("2026-07-15T21:30:00Z")));
        // 06:59 and 07:00 local in summer.
        assert!(dnd_active(&settings, at("2026-07-16T04:59:00Z")));
        assert!(!dnd_active(&settings, at("2026-07-16T05:00:00Z")));
        assert!(!dnd_active(&settings, at("2026-07-16T10:00:00Z")));
    }

    #[test]
    fn days_name_the_evening_a_period_starts() {
        // Friday evening to Saturday morning only (4 = Friday).
        let settings = quiet("20:00", "08:00", "UTC", vec![4]);
        assert!(
            dnd_active(&settings, at("2026-11-27T21:00:00Z")),
            "Friday night"
        );
        assert!(
            dnd_active(&settings, at("2026-11-28T07:00:00Z")),
            "Saturday morning"
        );
        assert!(
            !dnd_active(&settings, at("2026-11-26T21:00:00Z")),
            "Thursday night"
        );
    }

    #[test]
    fn until_and_bad_input() {
        let settings = SettingsRecord {
            dnd_until: Some(100),
            ..SettingsRecord::default()
        };
        assert!(dnd_active(&settings, 99));
        assert!(!dnd_active(&settings, 100));
        let bad = |start: &str, end: &str, zone: &str| {
            quiet_hours_record(&QuietHours {
                start: start.into(),
                end: end.into(),
                time_zone: zone.into(),
                days: vec![],
            })
            .is_err()
        };
        assert!(bad("24:00", "07:00", "UTC"));
        assert!(bad("7:00", "08:00", "UTC"));
        assert!(bad("07:00", "07:00", "UTC"));
        assert!(bad("07:00", "08:00", "Mars/Olympus"));
        assert!(!bad("07:00", "08:00", "America/New_York"));
    }
}
