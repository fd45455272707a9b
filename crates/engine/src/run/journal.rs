//! Reading one day's journal: what the patient reported, and the rules it fires.

use super::*;

impl Runner<'_, '_> {
    /// Applies today's journal entries (and a responder's reports) to `day`, fires the
    /// rules they trigger, and records every decision. Returns the winning rule.
    pub(super) fn read_journal(
        &mut self,
        visit: &Visit,
        day: &mut Today,
        today: Date,
        resting: bool,
    ) -> Result<Option<usize>, Diagnostic> {
        {
            let mut host = self.scripts.host_data();
            host.today = today;
            host.phase_start = visit.start;
            host.week_start = visit.week_start;
        }
        self.ask_for_day(visit, day, today);
        let mut fired: Vec<Fired> = Vec::new();
        // The journal stays in place: firing rules only reads it.
        for entry in self.entries_on(today) {
            if report(day, entry) {
                self.fire(visit, day, today, Some(entry), &mut fired)?;
            }
        }
        // Week-end rules run on the week's last day; a rest day is one only in a
        // level-by-level phase, whose weeks are calendar weeks. A phase not yet begun
        // has no weeks.
        let on_week =
            !visit.awaiting() && (!resting || matches!(visit.progress, Progress::Levels(_)));
        if on_week && visit.slot == 6 && self.followed(today) {
            self.fire(visit, day, today, None, &mut fired)?;
        }
        if fired.is_empty() {
            return Ok(None);
        }
        let protocol = self.protocol;
        let rules = &protocol.rules;
        let winner = choose(&fired, visit.phase, rules);
        let chosen = winner.and_then(|w| fired.get(w)).map(|f| f.rule);
        {
            let mut host = self.scripts.host_data();
            for f in &fired {
                if let Some(rule) = rules.get(f.rule) {
                    host.fired.push((today, rule.id.clone()));
                }
            }
        }
        for f in &fired {
            if let Some(n) = self.tally.get_mut(f.rule) {
                *n += 1;
            }
        }
        if day.out.is_some() {
            let winner_id = winner.and_then(|w| fired.get(w)).map(|w| &rules[w.rule].id);
            for (i, f) in fired.into_iter().enumerate() {
                let overridden = winner != Some(i) && !rules[f.rule].advises();
                let by = winner_id.filter(|_| overridden).cloned();
                day.decide(|| self.rule_decision(f, by));
            }
        }
        Ok(chosen)
    }

    /// Asks the responder, if there is one, what the patient reports today; every day
    /// a responder answers for is followed.
    fn ask_for_day(&mut self, visit: &Visit, day: &Today, today: Date) {
        let Some(responder) = self.responder.as_deref_mut() else {
            return;
        };
        let view = DayView {
            date: today,
            phase: &self.protocol.phases[visit.phase].id,
            session: day.has(PartKind::Session),
            cross: day.has(PartKind::Cross),
        };
        let mut reports = std::mem::take(&mut self.reports);
        responder.day_into(&view, &mut reports);
        for kind in reports.drain(..) {
            self.append(today, kind);
        }
        self.reports = reports;
        self.followed_until = Some(today);
    }
}

/// Shows a check-in on the day it reports. Returns whether the entry reports anything,
/// so that rules fire for it (an empty check-in fires none).
fn report(day: &mut Today, entry: &Entry) -> bool {
    let EntryKind::CheckIn {
        session,
        pain,
        fields,
    } = &entry.kind
    else {
        return true;
    };
    if let Some(s) = session {
        day.status = Status::from(*s);
    }
    if let Some(day) = &mut day.out {
        day.report = Some(report_out(entry.note.as_ref(), *session, pain, fields));
    }
    session.is_some() || pain.iter().any(Option::is_some) || !fields.is_empty()
}

/// A check-in as the plan's day shows it.
fn report_out(
    note: Option<&String>,
    session: Option<SessionStatus>,
    pain: &[Option<i64>; 4],
    fields: &Answers,
) -> Report {
    Report {
        session: session.map(Status::from),
        pain: PAIN_TIMES
            .iter()
            .zip(pain)
            .filter_map(|(t, p)| p.map(|p| (*t, p)))
            .collect(),
        fields: fields.to_vec(),
        note: note.cloned(),
    }
}
