//! Reading one day's journal: what the patient reported, and the rules it fires.

use super::*;

impl Runner<'_, '_> {
    /// Applies today's journal entries (and a responder's reports) to `day`, fires the
    /// rules they trigger, and records every decision. Returns the winning rule.
    pub(super) fn read_journal(
        &mut self,
        visit: &Visit,
        day: &mut Day,
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
        let entries: Vec<Entry> = self
            .journal
            .iter()
            .filter(|e| e.date == today)
            .cloned()
            .collect();
        let mut fired: Vec<(usize, Decision)> = Vec::new();
        for entry in &entries {
            if report(day, entry) {
                fired.extend(self.fire(visit, day, today, Some(entry))?);
            }
        }
        // Week-end rules run on the week's last day; a rest day is one only in a
        // level-by-level phase, whose weeks are calendar weeks. A phase not yet begun
        // has no weeks.
        let on_week =
            !visit.awaiting() && (!resting || matches!(visit.progress, Progress::Levels(_)));
        if on_week && visit.slot == 6 && self.followed(today) {
            fired.extend(self.fire(visit, day, today, None)?);
        }
        let chosen = choose(&mut fired, visit.phase, &self.protocol.rules);
        if !fired.is_empty() {
            let mut host = self.scripts.host_data();
            for (i, _) in &fired {
                if let Some(rule) = self.protocol.rules.get(*i) {
                    host.fired.push((today, rule.id.clone()));
                }
            }
        }
        day.decisions.extend(fired.into_iter().map(|(_, d)| d));
        Ok(chosen)
    }

    /// Asks the responder, if there is one, what the patient reports today; every day
    /// a responder answers for is followed.
    fn ask_for_day(&mut self, visit: &Visit, day: &Day, today: Date) {
        let Some(responder) = self.responder.as_deref_mut() else {
            return;
        };
        let view = DayView {
            date: today,
            phase: &self.protocol.phases[visit.phase].id,
            session: day.session.has(PartKind::Session),
            cross: day.session.has(PartKind::Cross),
        };
        let reports = responder.day(&view);
        for kind in reports {
            self.append(today, kind);
        }
        self.followed_until = Some(today);
    }
}

/// Shows a check-in on the day it reports. Returns whether the entry reports anything,
/// so that rules fire for it (an empty check-in fires none).
fn report(day: &mut Day, entry: &Entry) -> bool {
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
    day.report = Some(Report {
        session: session.map(Status::from),
        pain: PAIN_TIMES
            .iter()
            .zip(pain)
            .filter_map(|(t, p)| p.map(|p| (*t, p)))
            .collect(),
        fields: fields.clone(),
        note: entry.note.clone(),
    });
    session.is_some() || pain.iter().any(Option::is_some) || !fields.is_empty()
}
