//! A run on a fuzzed journal: structured entries (check-ins with pain, assessments,
//! events, on any dates around the course) written as a patient file and run under
//! Morra's protocol. Every valid journal must run to a plan or a located error.
#![no_main]

mod common;

use std::fmt::Write as _;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rehab_syntax::SourceFile;

#[derive(Debug, Arbitrary)]
enum Entry {
    CheckIn {
        day: u16,
        session: u8,
        pain: [Option<u8>; 4],
    },
    Hop {
        day: u16,
        painless: bool,
        level: bool,
    },
    Shoes {
        day: u16,
    },
    Form {
        day: u16,
    },
    Cleared {
        day: u16,
    },
}

#[derive(Debug, Arbitrary)]
struct Course {
    site: u8,
    entries: Vec<Entry>,
    as_of: Option<u16>,
}

const SITES: [&str; 4] = ["metatarsal", "femur", "pelvis", "calcaneus"];

fuzz_target!(|course: Course| {
    let start = jiff::civil::date(2026, 9, 1);
    let date = |day: u16| start.saturating_add(jiff::Span::new().days(i64::from(day % 900)));
    let mut days: Vec<(u16, String)> = Vec::new();
    for e in course.entries.iter().take(200) {
        let (day, text) = match e {
            Entry::CheckIn { day, session, pain } => {
                let status = ["done", "partial", "skipped"][usize::from(session % 3)];
                let mut p = String::new();
                for (name, v) in ["before", "during", "after", "next_day"].iter().zip(pain) {
                    if let Some(v) = v {
                        let _ = write!(p, "{name}: {}, ", v % 11);
                    }
                }
                (*day, format!("session: {status}, pain: {{ {p} }}"))
            }
            Entry::Hop {
                day,
                painless,
                level,
            } => (
                *day,
                format!(
                    "assessment: single_leg_hop, result: {{ painless: {painless}, level: {level} }}"
                ),
            ),
            Entry::Shoes { day } => (*day, "assessment: shoe_check".into()),
            Entry::Form { day } => (*day, "assessment: running_form".into()),
            Entry::Cleared { day } => (*day, "event: cleared_by_physician".into()),
        };
        days.push((day % 900, text));
    }
    days.sort_by_key(|(d, _)| *d);
    let mut text = format!(
        "inputs: {{ site: {}, diagnosed_on: {start} }}\njournal:\n",
        SITES[usize::from(course.site) % SITES.len()]
    );
    if days.is_empty() {
        text.push_str("  []\n");
    }
    for (day, entry) in &days {
        let _ = writeln!(text, "  - {{ date: {}, {entry} }}", date(*day));
    }
    let (mut sources, protocol) = common::morra();
    let file = sources.add(SourceFile::new("journal.yaml", text.as_str()));
    let doc = match rehab_syntax::parse_patient(&sources, file) {
        Ok(d) => d,
        Err(d) => panic!("a generated journal does not parse: {d:?}\n{text}"),
    };
    let (patient, diagnostics) = rehab_engine::check_patient(&sources, file, &protocol, &doc);
    let Some(patient) = patient else {
        panic!("a generated journal does not check: {diagnostics:?}\n{text}");
    };
    let config = rehab_engine::RunConfig {
        start: None,
        as_of: course.as_of.map(|d| date(d)),
        quiet: false,
    };
    // A run ends in a plan or a located error; either way, nothing panics.
    let _ = rehab_engine::run(&protocol, &patient, &config);
});
