//! Dates of year, month or day precision, exactly as precise as a source allows.
//!
//! A source that says "in 2017" gives a year, "in late September, 2018" a month;
//! the ledger keeps that precision rather than inventing a day. A [`PartialDate`]
//! covers an interval of days (its [`first_day`](PartialDate::first_day) to its
//! [`last_day`](PartialDate::last_day)), which is what replay compares against.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// A calendar date written `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

/// A full calendar day, used for comparisons (`--as-of`).
pub type Day = (u16, u8, u8);

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking the day exists.
    pub fn parse(s: &str) -> Result<PartialDate, String> {
        let bad = || {
            format!(
                "`{s}` is not a date: expected YYYY, YYYY-MM or YYYY-MM-DD (as precise as the source allows)"
            )
        };
        let parts: Vec<&str> = s.split('-').collect();
        let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        if !matches!(lens.as_slice(), [4] | [4, 2] | [4, 2, 2])
            || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        let year: u16 = parts[0].parse().map_err(|_| bad())?;
        if year == 0 {
            return Err(bad());
        }
        let month = match parts.get(1) {
            Some(m) => {
                let m: u8 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&m) {
                    return Err(format!("`{s}`: month {m} is not between 01 and 12"));
                }
                Some(m)
            }
            None => None,
        };
        let day = match (parts.get(2), month) {
            (Some(d), Some(m)) => {
                let d: u8 = d.parse().map_err(|_| bad())?;
                if d == 0 || d > days_in_month(year, m) {
                    return Err(format!("`{s}`: {year}-{m:02} has no day {d}"));
                }
                Some(d)
            }
            _ => None,
        };
        Ok(PartialDate { year, month, day })
    }

    /// The first day the date can denote.
    pub fn first_day(&self) -> Day {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The last day the date can denote.
    pub fn last_day(&self) -> Day {
        let m = self.month.unwrap_or(12);
        (
            self.year,
            m,
            self.day.unwrap_or(days_in_month(self.year, m)),
        )
    }

    /// A name for the precision: `year`, `month` or `day`.
    pub fn precision(&self) -> &'static str {
        match (self.month, self.day) {
            (None, _) => "year",
            (Some(_), None) => "month",
            (Some(_), Some(_)) => "day",
        }
    }

    /// A reader's rendering: `2018`, `September 2018`, `25 September 2018`.
    pub fn long(&self) -> String {
        let mut s = String::new();
        self.long_into(&mut s);
        s
    }

    /// [`PartialDate::long`] written at the end of `out` (a report writes
    /// one or two for each line it shows).
    pub fn long_into(&self, out: &mut String) {
        use std::fmt::Write as _;
        if let Some(m) = self.month_name() {
            if let Some(d) = self.day {
                let _ = write!(out, "{d} ");
            }
            out.push_str(m);
            out.push(' ');
        }
        let _ = write!(out, "{}", self.year);
    }

    /// The name of the month, for a date that has one.
    pub fn month_name(&self) -> Option<&'static str> {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        self.month.map(|m| MONTHS[m as usize - 1])
    }
}

/// Orders by first day, then the wider interval first (`2018` before
/// `2018-01`): the order of interval starts. The report's timeline orders
/// differently, putting year-only dates after the dated events of that year.
impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.first_day()
            .cmp(&other.first_day())
            .then_with(|| other.last_day().cmp(&self.last_day()))
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Parses a full day `YYYY-MM-DD` (as for `--as-of`).
pub fn parse_day(s: &str) -> Result<Day, String> {
    let d = PartialDate::parse(s)?;
    match d.day {
        Some(_) => Ok(d.first_day()),
        None => Ok(d.last_day()),
    }
}

/// Formats a [`Day`] as `YYYY-MM-DD`.
pub fn format_day(d: Day) -> String {
    format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PartialDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_is_kept() {
        let y = PartialDate::parse("2017").unwrap();
        assert_eq!(
            (y.first_day(), y.last_day()),
            ((2017, 1, 1), (2017, 12, 31))
        );
        let m = PartialDate::parse("2016-02").unwrap();
        assert_eq!(m.last_day(), (2016, 2, 29));
        assert_eq!(m.to_string(), "2016-02");
        assert_eq!(
            PartialDate::parse("2018-09-25").unwrap().long(),
            "25 September 2018"
        );
        assert!(PartialDate::parse("2019-02-30").is_err());
        assert!(PartialDate::parse("2019-13").is_err());
        assert!(PartialDate::parse("19").is_err());
        assert!(PartialDate::parse("2019-1-01").is_err());
        let mut v = [
            PartialDate::parse("2018-10").unwrap(),
            PartialDate::parse("2018").unwrap(),
            PartialDate::parse("2018-01-15").unwrap(),
        ];
        v.sort();
        let shown: Vec<String> = v.iter().map(|d| d.to_string()).collect();
        assert_eq!(shown, ["2018", "2018-01-15", "2018-10"]);
    }
}
