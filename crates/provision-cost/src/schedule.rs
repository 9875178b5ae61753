//! `--schedule "weekdays 08:00-20:00"`: the hours a month the runtime layer is up when a
//! scheduler brings it back in the morning and tears it down at night.

/// When the runtime layer runs: some days of the week, between two times of day.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// As the user wrote it.
    pub text: String,
    /// Days a week the layer runs (1 to 7).
    pub days_per_week: u32,
    /// Hours a day it runs (more than 0, at most 24).
    pub hours_per_day: f64,
}

/// Hours in a week. A month of `hours_per_month` (730) holds 730 / 168 ≈ 4.35 weeks, so that a
/// schedule that is always on costs exactly the month.
const HOURS_PER_WEEK: f64 = 168.0;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Schedule {
    /// Parses `DAYS HH:MM-HH:MM`, where DAYS is `weekdays` (Monday to Friday), `daily` (every
    /// day), `weekends`, or a range or list of days (`mon-fri`, `mon,wed,fri`, `mon-sat`).
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let usage = "write it as DAYS HH:MM-HH:MM, e.g. \"weekdays 08:00-20:00\", \"daily 07:00-19:00\" or \"mon-sat 08:00-18:00\"";
        let mut words = text.split_whitespace();
        let (Some(days), Some(times), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("the schedule {text:?} is not understood: {usage}"));
        };
        let days_per_week = parse_days(days)
            .ok_or_else(|| format!("the schedule {text:?} names no days provision knows ({days:?}): {usage}"))?;
        let (start, end) = times
            .split_once('-')
            .and_then(|(a, b)| Some((parse_time(a)?, parse_time(b)?)))
            .ok_or_else(|| format!("the schedule {text:?} has no valid hours ({times:?}): {usage}"))?;
        if end <= start {
            return Err(format!(
                "the schedule {text:?} ends before it starts: the runtime layer must come up before it is torn down on the same day ({usage})"
            ));
        }
        Ok(Schedule { text: text.to_string(), days_per_week, hours_per_day: (end - start) as f64 / 60.0 })
    }

    /// Hours a month the runtime layer runs.
    pub fn hours_on(&self, hours_per_month: f64) -> f64 {
        (self.days_per_week as f64 * self.hours_per_day * hours_per_month / HOURS_PER_WEEK).min(hours_per_month)
    }

    /// Hours a month the runtime layer is torn down.
    pub fn hours_off(&self, hours_per_month: f64) -> f64 {
        hours_per_month - self.hours_on(hours_per_month)
    }
}

fn parse_days(s: &str) -> Option<u32> {
    let s = s.to_ascii_lowercase();
    match s.as_str() {
        "weekdays" => return Some(5),
        "daily" | "everyday" => return Some(7),
        "weekends" => return Some(2),
        _ => {}
    }
    let day = |d: &str| DAYS.iter().position(|x| *x == d);
    let mut set = [false; 7];
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                if b < a {
                    return None;
                }
                set[a..=b].fill(true);
            }
            None => set[day(part)?] = true,
        }
    }
    Some(set.iter().filter(|x| **x).count() as u32)
}

/// Minutes since midnight; `24:00` is the end of the day.
fn parse_time(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_twelve_hours_is_about_261_hours_a_month() {
        let s = Schedule::parse("weekdays 08:00-20:00").expect("parse");
        assert_eq!(s.days_per_week, 5);
        assert_eq!(s.hours_per_day, 12.0);
        // 12 h × 5 days = 60 h a week; × 730/168 weeks = 260.71 h; 730 − 260.71 = 469.29 h off.
        assert!((s.hours_on(730.0) - 60.0 * 730.0 / 168.0).abs() < 1e-9);
        assert!((s.hours_off(730.0) - 469.2857142857).abs() < 1e-6);
    }

    #[test]
    fn daily_and_day_ranges() {
        let s = Schedule::parse("daily 07:00-19:00").expect("parse");
        // 12 h a day is half the month: 365 h.
        assert!((s.hours_on(730.0) - 365.0).abs() < 1e-9);
        assert_eq!(Schedule::parse("mon-fri 08:00-20:00").expect("parse").days_per_week, 5);
        assert_eq!(Schedule::parse("mon-sat 08:30-18:00").expect("parse").days_per_week, 6);
        assert_eq!(Schedule::parse("mon-sat 08:30-18:00").expect("parse").hours_per_day, 9.5);
        assert_eq!(Schedule::parse("mon,wed,fri 00:00-24:00").expect("parse").days_per_week, 3);
        // Always on: nothing is off.
        assert!(Schedule::parse("daily 00:00-24:00").expect("parse").hours_off(730.0).abs() < 1e-9);
    }

    #[test]
    fn bad_schedules_say_how_to_write_one() {
        for bad in [
            "weekdays",
            "someday 08:00-20:00",
            "weekdays 20:00-08:00",
            "weekdays 8-20",
            "fri-mon 08:00-20:00",
            "weekdays 08:00-25:00",
        ] {
            let e = Schedule::parse(bad).expect_err(bad);
            assert!(e.contains("weekdays 08:00-20:00"), "{bad}: {e}");
        }
    }
}
