//! A strength day's circuit: the phase's circuits taken in turn, leaving out those a
//! failing gate withholds; and the reminders a day shows.

use super::*;
use gates::latest_result;

impl Runner<'_, '_> {
    /// The circuit (an index into the protocol's circuits) of a strength day on `date`,
    /// moving the visit's rotation on past it, and the decisions that say a circuit is
    /// left out, the first strength day it is. `None` when the phase has no circuit, or
    /// every one is withheld.
    pub(super) fn strength_turn(
        &self,
        visit: &mut Visit,
        date: Date,
    ) -> (Option<usize>, Vec<Decision>) {
        let phase = &self.protocol.phases[visit.phase];
        let mut decisions = Vec::new();
        let mut out: Vec<usize> = Vec::new();
        for (wi, w) in phase.withhold.iter().enumerate() {
            if !self.gate_failing(visit, w.gate, date) {
                visit.withheld.retain(|&x| x != wi);
                continue;
            }
            out.push(w.circuit);
            if !visit.withheld.contains(&wi) {
                visit.withheld.push(wi);
                decisions.push(self.withhold_decision(phase, w));
            }
        }
        let n = phase.strength.len();
        for k in 0..n {
            let place = (visit.turn + k) % n;
            let circuit = phase.strength[place];
            if !out.contains(&circuit) {
                visit.turn = (place + 1) % n;
                return (Some(circuit), decisions);
            }
        }
        (None, decisions)
    }

    /// Whether gate `gi` of the visit's phase fails as `date` begins: for a gate on an
    /// assessment, the latest result reported in the visit before `date` fails; for any
    /// other gate, its latest test failed.
    fn gate_failing(&self, visit: &Visit, gi: usize, date: Date) -> bool {
        let protocol = self.protocol;
        let Some(gate) = protocol.phases[visit.phase].gates.get(gi) else {
            return false;
        };
        match gate.assessment.and_then(|a| protocol.assessments.get(a)) {
            Some(a) => {
                let (Ok(yesterday), after) = (date.yesterday(), visit.start.yesterday().ok())
                else {
                    return false;
                };
                latest_result(&self.journal, &a.id, yesterday, after)
                    .is_some_and(|(_, _, passed)| passed == Some(false))
            }
            None => visit.failing.contains(&gi),
        }
    }

    fn withhold_decision(&self, phase: &Phase, w: &Withhold) -> Decision {
        let circuit = self.protocol.circuits.get(w.circuit);
        let gate = phase.gates.get(w.gate);
        let others = phase.strength.iter().any(|&c| c != w.circuit);
        let then = if others {
            "strength days take the phase's other circuits"
        } else {
            "strength days have no strength work"
        };
        let mut d = Decision::engine(
            Decider::Gate(gate.map_or_else(String::new, |g| g.id.clone())),
            Verdict::Withhold,
            format!(
                "Circuit {} (\"{}\") is left out while \"{}\" is not passed; until it passes, {then}.",
                circuit.map_or("?", |c| c.id.as_str()),
                circuit.map_or("?", |c| c.title.as_str()),
                gate.map_or("?", |g| g.title.as_str()),
            ),
        )
        .with_source(w.source.clone());
        d.interpretation = w.interpretation.clone();
        d
    }

    /// The phase's reminders for a day of week `week` holding `parts`, for this patient.
    pub(super) fn reminders(&self, phase: &Phase, week: u32, parts: &[Part]) -> Vec<ReminderOut> {
        phase
            .reminders
            .iter()
            .filter(|r| r.note.applies_to(self.patient) && r.on(week, parts))
            .map(|r| ReminderOut {
                text: r.note.text.clone(),
                source: r.note.source.clone(),
            })
            .collect()
    }
}
