//! Rules, with the actions they take, and notes of guidance, with the conditions that
//! say for whom a note holds.

use rehab_syntax::protocol::{self as doc, InputKind, S};
use rehab_syntax::suggest::did_you_mean;
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::inputs::Inputs;
use super::names::{Ids, Names};
use super::reachability::Jump;
use crate::model::*;

/// Declares and checks every rule. Returns the rules, and the jumps between phases
/// their `goto` actions make, for reachability.
pub(super) fn lower_rules(
    ctx: &mut Ctx,
    rules: &[doc::RuleDoc],
    names: &mut Names,
    scripts: &mut Scripts,
) -> (Vec<Rule>, Vec<Jump>) {
    let mut lowered = Vec::new();
    let mut jumps = Vec::new();
    for r in rules {
        names.rules.declare(ctx, &r.id);
        let (rule, jump) = lower_rule(ctx, r, names, scripts);
        lowered.extend(rule);
        jumps.extend(jump);
    }
    (lowered, jumps)
}

/// One rule: an id of its own, the phases it runs in, what it does and when, and the
/// jump it makes if its action is `goto`. A rule whose action or condition has an
/// error is left out; the error says why.
fn lower_rule(
    ctx: &mut Ctx,
    r: &doc::RuleDoc,
    names: &Names,
    scripts: &mut Scripts,
) -> (Option<Rule>, Option<Jump>) {
    if crate::plan::Decision::is_engine_id(&r.id.value) {
        ctx.push(
            Diagnostic::error(
                codes::RULE,
                format!(
                    "`{}` is reserved for the engine's own decisions; a rule id may not contain `:` or be `rest` or `complete`",
                    r.id.value
                ),
            )
            .at(ctx.span(&r.id.referenced))
            .with_help("name the rule after what it does, such as `pain-holds-week`"),
        );
    }
    let source = names.source(ctx, &r.source);
    let only = narrowed_to(ctx, r, names);
    let phases: Vec<usize> = r
        .phases
        .iter()
        .filter_map(|ph| names.phases.resolve(ctx, ph))
        .collect();
    let actions = parse_actions(ctx, &r.action, &names.phases);
    let jump = match actions.as_deref() {
        Some(&[Action::Goto(to)]) => Some(Jump {
            to,
            from: (!r.phases.is_empty()).then(|| phases.clone()),
        }),
        _ => None,
    };
    let condition = ctx.script(scripts, &r.when);
    let (Some(actions), Some(condition)) = (actions, condition) else {
        return (None, jump);
    };
    let rule = Rule {
        id: r.id.value.clone(),
        trigger: r.on.value,
        only,
        phases,
        condition,
        actions,
        reason: r.reason.trim().to_string(),
        source,
        interpretation: r.interpretation.as_ref().map(|s| s.trim().to_string()),
    };
    (Some(rule), jump)
}

/// The one assessment or event a rule is about. `assessment:` and `event:` narrow a
/// rule that runs on an assessment or an event, and nothing else.
fn narrowed_to(ctx: &mut Ctx, r: &doc::RuleDoc, names: &Names) -> Option<String> {
    let trigger = r.on.value;
    let mut only = None;
    if let Some(a) = &r.assessment {
        if trigger == Trigger::Assessment {
            names.assessments.resolve(ctx, a);
            only = Some(a.value.clone());
        } else {
            ctx.error(
                codes::RULE,
                &a.referenced,
                "`assessment:` narrows a rule that runs `on: assessment`; this rule runs on something else",
            );
        }
    }
    if let Some(e) = &r.event {
        if trigger == Trigger::Event {
            names.events.resolve(ctx, e);
            only = Some(e.value.clone());
        } else {
            ctx.error(
                codes::RULE,
                &e.referenced,
                "`event:` narrows a rule that runs `on: event`; this rule runs on something else",
            );
        }
    }
    only
}

/// The words an action can start with, for suggesting the closest to a misspelt one.
const ACTIONS: &[&str] = &[
    "advance", "hold", "regress", "rest", "repeat", "goto", "refer", "advise",
];

/// One action, or `rest N` joined by a comma to one of advance, hold, regress and
/// repeat.
fn parse_actions(ctx: &mut Ctx, text: &S<String>, phase_ids: &Ids) -> Option<Vec<Action>> {
    let parts: Vec<&str> = text.value.split(',').map(str::trim).collect();
    let mut actions = Vec::new();
    for part in &parts {
        actions.push(parse_action(ctx, text, part, phase_ids)?);
    }
    if actions.len() == 1 {
        return Some(actions);
    }
    let rests = actions
        .iter()
        .filter(|a| matches!(a, Action::Rest(_)))
        .count();
    let others_fit = actions.iter().all(|a| {
        matches!(
            a,
            Action::Rest(_) | Action::Advance | Action::Hold | Action::Regress(_) | Action::Repeat
        )
    });
    if actions.len() != 2 || rests != 1 || !others_fit {
        ctx.push(
            Diagnostic::error(
                codes::RULE,
                format!("`{}` cannot be done together", text.value),
            )
            .at(ctx.span(&text.referenced))
            .with_help(
                "a rule does one action, or `rest N` and one of advance, hold, regress and repeat: `rest 2, regress 1`, `rest 1, repeat`",
            ),
        );
        return None;
    }
    // The rest is taken first; the other action then applies to the schedule after it.
    actions.sort_by_key(|a| !matches!(a, Action::Rest(_)));
    Some(actions)
}

/// `advance`, `hold`, `regress N`, `rest N`, `repeat`, `goto PHASE`, `refer` or
/// `advise`.
fn parse_action(ctx: &mut Ctx, text: &S<String>, part: &str, phase_ids: &Ids) -> Option<Action> {
    let words: Vec<&str> = part.split_whitespace().collect();
    let count = |ctx: &mut Ctx, what: &str| -> Option<u32> {
        match words.get(1) {
            Some(n) if words.len() == 2 => match n.parse::<u32>() {
                Ok(n) if (1..=365).contains(&n) => Some(n),
                _ => {
                    ctx.error(
                        codes::RULE,
                        &text.referenced,
                        format!(
                            "`{what}` takes a whole number from 1 to 365 ({}), found `{n}`",
                            if what == "rest" { "days" } else { "weeks" }
                        ),
                    );
                    None
                }
            },
            _ => {
                ctx.error(
                    codes::RULE,
                    &text.referenced,
                    format!("`{what}` takes one number, such as `{what} 1`"),
                );
                None
            }
        }
    };
    let single = |ctx: &mut Ctx, action: Action, word: &str| {
        if words.len() == 1 {
            Some(action)
        } else {
            ctx.error(
                codes::RULE,
                &text.referenced,
                format!("`{word}` takes nothing after it"),
            );
            None
        }
    };
    match words.first().copied() {
        Some("advance") => single(ctx, Action::Advance, "advance"),
        Some("hold") => single(ctx, Action::Hold, "hold"),
        Some("refer") => single(ctx, Action::Refer, "refer"),
        Some("advise") => single(ctx, Action::Advise, "advise"),
        Some("repeat") => single(ctx, Action::Repeat, "repeat"),
        Some("regress") => count(ctx, "regress").map(Action::Regress),
        Some("rest") => count(ctx, "rest").map(Action::Rest),
        Some("goto") => {
            if words.len() != 2 {
                ctx.error(
                    codes::RULE,
                    &text.referenced,
                    "`goto` takes the id of a phase, such as `goto pre-run`",
                );
                return None;
            }
            let id = S {
                value: words.get(1).copied().unwrap_or_default().to_string(),
                referenced: text.referenced,
                defined: text.defined,
            };
            phase_ids.resolve(ctx, &id).map(Action::Goto)
        }
        other => {
            let word = other.unwrap_or("");
            let names: Vec<String> = ACTIONS.iter().map(|s| s.to_string()).collect();
            let mut d = Diagnostic::error(
                codes::RULE,
                format!(
                    "unknown action `{word}`: expected advance, hold, regress N, rest N, repeat, goto PHASE, refer or advise"
                ),
            )
            .at(ctx.span(&text.referenced));
            if let Some(s) = did_you_mean(word, &names) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            ctx.push(d);
            None
        }
    }
}

/// Notes of guidance, each citing a source and perhaps holding only for some patients.
pub(super) fn lower_notes(
    ctx: &mut Ctx,
    notes: &[doc::Note],
    names: &Names,
    inputs: &Inputs,
) -> Vec<Note> {
    notes
        .iter()
        .map(|n| Note {
            text: n.text.trim().to_string(),
            source: names.source(ctx, &n.source),
            interpretation: n.interpretation.as_ref().map(|s| s.trim().to_string()),
            when: n
                .when
                .as_ref()
                .and_then(|c| lower_condition(ctx, c, inputs)),
        })
        .collect()
}

/// For whom a note holds: a choice input having, or not having, one of some choices.
fn lower_condition(ctx: &mut Ctx, c: &doc::Condition, inputs: &Inputs) -> Option<Condition> {
    let input = inputs.get(ctx, &c.input)?;
    let (values, negated) = match (&c.any_of, &c.not_in) {
        (Some(v), None) => (v, false),
        (None, Some(v)) => (v, true),
        _ => {
            ctx.error(
                codes::BAD_VALUE,
                &c.input.referenced,
                "a condition needs exactly one of `in` and `not_in`",
            );
            return None;
        }
    };
    if input.kind != InputKind::Choice {
        ctx.error(
            codes::BAD_VALUE,
            &c.input.referenced,
            format!(
                "a condition can test only a choice input; `{}` is not one",
                input.id
            ),
        );
        return None;
    }
    let names: Vec<String> = input.choices.iter().map(|(v, _)| v.clone()).collect();
    for v in values {
        if !names.contains(&v.value) {
            let mut d = Diagnostic::error(
                codes::UNDEFINED,
                format!("`{}` is not a choice of input `{}`", v.value, input.id),
            )
            .at(ctx.span(&v.referenced));
            if let Some(s) = did_you_mean(&v.value, &names) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            ctx.push(d);
        }
    }
    Some(Condition {
        input: input.id,
        values: values.iter().map(|v| v.value.clone()).collect(),
        negated,
    })
}
