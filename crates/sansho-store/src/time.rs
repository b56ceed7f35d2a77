//! Points in time as the store keeps them: UTC, microseconds, one textual form everywhere (the
//! database, the audit hashes, exports), so that a record hashes the same after a round trip.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant with microsecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(jiff::Timestamp);

impl Time {
    /// `instant`, truncated to the microsecond.
    pub fn new(instant: jiff::Timestamp) -> Self {
        let micros = instant.as_microsecond();
        Self(jiff::Timestamp::from_microsecond(micros).unwrap_or(instant))
    }

    pub fn now() -> Self {
        Self::new(jiff::Timestamp::now())
    }

    pub fn timestamp(self) -> jiff::Timestamp {
        self.0
    }

    pub fn parse(text: &str) -> Option<Self> {
        text.parse::<jiff::Timestamp>().ok().map(Self::new)
    }

    /// `self + seconds` (saturating at the ends of time).
    pub fn plus_seconds(self, seconds: i64) -> Self {
        let span = jiff::SignedDuration::from_secs(seconds);
        Self(self.0.saturating_add(span).unwrap_or(self.0))
    }

    /// Whole seconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn seconds_since(self, earlier: Time) -> i64 {
        self.0.duration_since(earlier.0).as_secs()
    }

    /// The date in Japan (JST), for documents.
    pub fn date_in_japan(self) -> String {
        let offset = jiff::tz::Offset::constant(9);
        self.0
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .strftime("%Y-%m-%d")
            .to_string()
    }

    /// The hour of the day in Japan (JST), 0–23.
    pub fn hour_in_japan(self) -> u8 {
        let offset = jiff::tz::Offset::constant(9);
        self.0
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .hour()
            .try_into()
            .unwrap_or(0)
    }

    /// Date and time in Japan (JST), for pages and documents.
    pub fn in_japan(self) -> String {
        let offset = jiff::tz::Offset::constant(9);
        self.0
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .strftime("%Y-%m-%d %H:%M JST")
            .to_string()
    }
}

impl fmt::Display for Time {
    /// `2026-11-30T04:05:06.123456Z`: fixed width, so text order is time order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Time::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("not a time: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_round_trips_and_sorts_like_time() {
        let t = Time::parse("2026-11-30T04:05:06.1234567Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-30T04:05:06.123456Z");
        assert_eq!(Time::parse(&t.to_string()), Some(t));
        let later = t.plus_seconds(1);
        assert!(later.to_string() > t.to_string());
        assert_eq!(later.seconds_since(t), 1);
        assert_eq!(t.date_in_japan(), "2026-11-30");
        assert_eq!(
            Time::parse("2026-11-30T20:00:00Z").unwrap().date_in_japan(),
            "2026-12-01"
        );
    }
}
