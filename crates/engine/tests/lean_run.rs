//! A lean run (`run_course`, what simulations use) takes every decision a full run
//! takes: for every protocol in `protocols/`, patients answering day by day end the same
//! way, on the same day, with the same rules fired, whether the run lays out a plan or
//! not. Both runs share one state machine; this holds the lean one to skipping output
//! only.

mod support;

use jiff::civil::Date;
use rehab_engine::model::{Answer, EntryKind, SessionStatus};
use rehab_engine::plan::Plan;
use rehab_engine::simulate::Stream;
use rehab_engine::{
    Course, DayView, GateNeed, Responder, RunConfig, Scratch, run_course, run_using,
};
use rehab_syntax::Sources;

/// A patient who answers from a seeded stream: pain now and then (sometimes enough for
/// the strictest rules), sessions skipped or cut short, tests passed or failed.
struct Answering(Stream);

impl Responder for Answering {
    fn day(&mut self, day: &DayView<'_>) -> Vec<EntryKind> {
        if !day.session && !day.cross {
            return Vec::new();
        }
        let s = &mut self.0;
        let session = match s.between(0, 9) {
            0 => SessionStatus::Skipped,
            1 => SessionStatus::Partial,
            _ => SessionStatus::Done,
        };
        let mut pain = [Some(0); 4];
        if s.chance(0.25) {
            for p in pain.iter_mut().skip(1) {
                *p = Some(s.between(1, 7));
            }
        }
        vec![EntryKind::CheckIn {
            session: Some(session),
            pain,
            fields: Vec::new(),
        }]
    }

    fn gate(&mut self, _date: Date, need: &GateNeed<'_>) -> Option<EntryKind> {
        match need {
            GateNeed::Event(e) => Some(EntryKind::Event { id: e.id.clone() }),
            GateNeed::Assessment(a) => {
                let pass = self.0.chance(0.7);
                let answers: Vec<(String, Answer)> = a
                    .questions
                    .iter()
                    .map(|q| (q.id.clone(), q.example_answer(pass)))
                    .collect();
                let marked = a.questions.iter().any(|q| q.pass.is_some());
                Some(EntryKind::Assessment {
                    id: a.id.clone(),
                    answers,
                    passed: marked.then_some(pass),
                })
            }
        }
    }
}

/// What a full plan says of its course, as a lean run gives it.
fn course_of(plan: &Plan, rules: &[String]) -> Course {
    let mut fired = vec![0u32; rules.len()];
    for d in plan.days.iter().flat_map(|d| &d.decisions) {
        if let Some(i) =
            d.by.rule_id()
                .and_then(|id| rules.iter().position(|r| r == id))
        {
            fired[i] += 1;
        }
    }
    Course {
        status: plan.outcome.status,
        days: u32::try_from(plan.days.len()).expect("a plan's days fit"),
        fired,
    }
}

#[test]
fn a_lean_run_decides_as_a_full_run_does() {
    let files = support::protocol_files();
    assert!(!files.is_empty(), "protocols/ holds protocols");
    // One set of buffers for every run, across protocols, as a simulation's thread has.
    let mut scratch = Scratch::default();
    let mut fired_somewhere = 0;
    for path in files {
        let mut sources = Sources::new();
        let loaded = support::load(&mut sources, &path);
        let protocol = &loaded.protocol;
        let rules: Vec<String> = protocol.rules().iter().map(|r| r.id.clone()).collect();
        let evaluator = protocol.scripts().evaluator().expect("an evaluator");
        let example = loaded.example.as_ref().expect("an example patient");
        let scenarios = support::scenarios(&mut sources, &loaded);
        // The example's inputs alone, as a simulation starts, and every scenario's
        // patient with its journal, which the answers then continue.
        let mut patients = vec![(support::inputs_only(example), RunConfig::default())];
        patients.extend(scenarios.into_iter().map(|s| (s.patient, s.config)));
        for (n, (patient, config)) in patients.iter().enumerate() {
            for seed in 0..4u64 {
                let stream = || Stream::for_patient(seed, n as u64);
                // Whether the run explains (records host calls, gathers values) changes
                // no decision either: the two runs take opposite settings, in turn.
                let quiet = seed % 2 == 0;
                let full_config = RunConfig { quiet, ..*config };
                let lean_config = RunConfig {
                    quiet: !quiet,
                    ..*config
                };
                let full = run_using(
                    &evaluator,
                    protocol,
                    patient,
                    &full_config,
                    Some(&mut Answering(stream())),
                );
                let lean = run_course(
                    &evaluator,
                    protocol,
                    patient,
                    &lean_config,
                    Some(&mut Answering(stream())),
                    &mut scratch,
                );
                let at = format!("{path}, patient {n}, seed {seed}");
                match (full, lean) {
                    (Ok(plan), Ok(course)) => {
                        assert_eq!(course_of(&plan, &rules), course, "{at}");
                        fired_somewhere += course.fired.iter().sum::<u32>();
                    }
                    (Err(a), Err(b)) => assert_eq!(a.message, b.message, "{at}"),
                    (full, lean) => panic!(
                        "{at}: the full run gave {:?}, the lean one {lean:?}",
                        full.map(|p| p.outcome)
                    ),
                }
            }
        }
    }
    assert!(fired_somewhere > 0, "the answers make rules fire");
}
