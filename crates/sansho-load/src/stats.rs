//! Latency per route class: an HDR histogram each (microseconds, 3 significant digits), kept per
//! session and merged at the end, so recording never waits on a lock.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

/// What a request is, for the report: the targets differ by class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Password and second factor (each step counted as one request).
    Login,
    /// A page an institution reviewer or an operator reads.
    PageRead,
    /// A form that changes the record: a verdict, a question, a ledger item.
    Write,
    /// A model version published through the API.
    Publish,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Login => "login",
            Class::PageRead => "page read",
            Class::Write => "write",
            Class::Publish => "publish",
        }
    }
}

/// Requests of one class: their latencies, and the failures with the first few reasons.
pub struct Series {
    pub latency: Histogram<u64>,
    pub errors: u64,
    pub first_errors: Vec<String>,
}

impl Series {
    fn new() -> Series {
        Series {
            // 1 µs to 10 minutes; creating it with these bounds cannot fail.
            latency: Histogram::new_with_bounds(1, 600_000_000, 3)
                .unwrap_or_else(|_| unreachable!("constant bounds are valid")),
            errors: 0,
            first_errors: Vec::new(),
        }
    }
}

#[derive(Default)]
pub struct Stats {
    pub by_class: BTreeMap<Class, Series>,
}

impl Stats {
    pub fn record(&mut self, class: Class, took: Duration, failure: Option<String>) {
        let series = self.by_class.entry(class).or_insert_with(Series::new);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        series.latency.saturating_record(micros.max(1));
        if let Some(reason) = failure {
            series.errors += 1;
            if series.first_errors.len() < 3 {
                series.first_errors.push(reason);
            }
        }
    }

    pub fn merge(&mut self, other: Stats) {
        for (class, series) in other.by_class {
            let mine = self.by_class.entry(class).or_insert_with(Series::new);
            // Same bounds on both sides: adding cannot fail.
            let _ = mine.latency.add(&series.latency);
            mine.errors += series.errors;
            for e in series.first_errors {
                if mine.first_errors.len() < 3 {
                    mine.first_errors.push(e);
                }
            }
        }
    }

    /// The table printed at the end, and its JSON form.
    pub fn table(&self, seconds: f64) -> (String, serde_json::Value) {
        let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        let mut text = format!(
            "{:<10} {:>9} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
            "class", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
        );
        let mut json = serde_json::Map::new();
        for (class, s) in &self.by_class {
            let h = &s.latency;
            let count = h.len();
            text.push_str(&format!(
                "{:<10} {:>9} {:>7} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1}\n",
                class.name(),
                count,
                s.errors,
                count as f64 / seconds,
                ms(h, 0.50),
                ms(h, 0.95),
                ms(h, 0.99),
                h.max() as f64 / 1000.0,
            ));
            json.insert(
                class.name().to_owned(),
                serde_json::json!({
                    "requests": count, "errors": s.errors, "per_second": count as f64 / seconds,
                    "p50_ms": ms(h, 0.50), "p95_ms": ms(h, 0.95), "p99_ms": ms(h, 0.99),
                    "max_ms": h.max() as f64 / 1000.0, "first_errors": s.first_errors,
                }),
            );
        }
        (text, serde_json::Value::Object(json))
    }
}
