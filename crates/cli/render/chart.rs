//! The handout's weekly load chart as numbers: where each week's band, each phase's
//! mark and each tick goes. The template draws the SVG from them, so every label that
//! comes from a file is escaped by the template like any other text.

use rehab_engine::plan::{Plan, WeekSummary};
use serde::Serialize;

use super::html::clean;

/// The drawing's size in SVG units, and the plot area inside the axes.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 236.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 52.0;

#[derive(Debug, Serialize)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    /// The y axis's title: minutes, or the distance's unit.
    pub measure: String,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
    pub phases: Vec<PhaseMark>,
    /// Whether some week's running is not known (the legend then explains the mark).
    pub any_unknown: bool,
    /// Whether some week gives its running as a range (the legend then shows the band).
    pub any_band: bool,
    /// Whether some week has no running (the legend then says an empty column is none).
    pub any_none: bool,
    /// A sentence saying what the chart shows, for screen readers and for the printout.
    pub summary: String,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// One week of the plan: a band from its low to its high end, a line where both agree,
/// or a hatched column where its running is not known.
#[derive(Debug, Serialize)]
pub struct Bar {
    pub x: f64,
    pub w: f64,
    /// `band`, `line`, `none` (no running) or `unknown`.
    pub kind: &'static str,
    pub y: f64,
    pub h: f64,
    /// What the week is, in words, for the SVG `<title>`.
    pub title: String,
}

/// A phase's stretch of weeks along the x axis, numbered as in the legend.
#[derive(Debug, Serialize)]
pub struct PhaseMark {
    pub n: usize,
    pub x: f64,
    pub w: f64,
    pub mid: f64,
    pub title: String,
}

/// What one week contributes: a known range, no running, or running not known.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Load {
    Known(f64, f64),
    Unknown,
}

/// Whether the chart counts distance: when some week's running is given by distance,
/// which is how such a protocol counts its load.
fn by_distance(plan: &Plan) -> Option<&'static str> {
    plan.weeks
        .iter()
        .find_map(|w| w.run_distance.map(|d| d.unit.symbol()))
}

fn load(w: &WeekSummary, distance: bool) -> Load {
    if distance {
        match (w.run_distance, w.run_minutes) {
            (Some(d), _) if w.timed_runs_left_out == 0 => Load::Known(d.min, d.max),
            // Timed sessions only, or none: no distance unless nothing runs at all.
            (None, Some(m)) if m.max <= 0.0 => Load::Known(0.0, 0.0),
            _ => Load::Unknown,
        }
    } else {
        match w.run_minutes {
            Some(m) => Load::Known(m.min, m.max),
            None => Load::Unknown,
        }
    }
}

/// A round step for about five ticks up to `max`.
fn step(max: f64) -> f64 {
    let raw = max / 5.0;
    let mut unit = 1.0_f64;
    while unit * 10.0 <= raw {
        unit *= 10.0;
    }
    while unit > raw && unit > 0.1 {
        unit /= 10.0;
    }
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * unit)
        .find(|s| *s >= raw)
        .unwrap_or(unit * 10.0)
}

fn number(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

pub fn chart(plan: &Plan) -> Chart {
    let unit = by_distance(plan);
    let loads: Vec<Load> = plan.weeks.iter().map(|w| load(w, unit.is_some())).collect();
    let top = loads
        .iter()
        .filter_map(|l| match l {
            Load::Known(_, hi) => Some(*hi),
            Load::Unknown => None,
        })
        .fold(0.0_f64, f64::max);
    let step = step(top.max(1.0));
    // One step of headroom above the highest week, so that its mark never sits on the
    // frame.
    let ceiling = ((top / step).floor() + 1.0) * step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = loads.len().max(1);
    let slot = plot_w / n as f64;
    let y = |v: f64| TOP + plot_h - v / ceiling * plot_h;
    let measure = match unit {
        Some(u) => format!("Running distance per week ({u})"),
        None => "Running minutes per week".to_string(),
    };
    let what = unit.unwrap_or("min");

    let mut bars = Vec::new();
    for (i, (w, l)) in plan.weeks.iter().zip(&loads).enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let bw = slot * 0.7;
        let label = if w.week == 0 {
            format!("waiting to begin, {}", w.start)
        } else {
            let phase = plan
                .phases
                .iter()
                .find(|p| p.id == w.phase)
                .map_or(w.phase.as_str(), |p| p.title.as_str());
            format!("week {} of {}, from {}", w.week, clean(phase), w.start)
        };
        let bar = match *l {
            Load::Unknown => Bar {
                x,
                w: bw,
                kind: "unknown",
                y: TOP,
                h: plot_h,
                title: format!("{label}: running not known"),
            },
            Load::Known(_, hi) if hi <= 0.0 => Bar {
                x,
                w: bw,
                kind: "none",
                y: y(0.0),
                h: 0.0,
                title: format!("{label}: no running"),
            },
            Load::Known(lo, hi) if (hi - lo).abs() < f64::EPSILON => Bar {
                x,
                w: bw,
                kind: "line",
                y: y(hi),
                h: 0.0,
                title: format!("{label}: {} {what}", number(hi)),
            },
            Load::Known(lo, hi) => Bar {
                x,
                w: bw,
                kind: "band",
                y: y(hi),
                h: y(lo) - y(hi),
                title: format!("{label}: {}-{} {what}", number(lo), number(hi)),
            },
        };
        bars.push(bar);
    }

    let mut phases: Vec<PhaseMark> = Vec::new();
    for (i, w) in plan.weeks.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let title = plan
            .phases
            .iter()
            .find(|p| p.id == w.phase)
            .map_or_else(|| clean(&w.phase), |p| clean(&p.title));
        // A phase is re-entered after another (a `goto`) as a mark of its own.
        match phases.last_mut() {
            Some(last) if last.title == title && (last.x + last.w - x).abs() < 0.01 => {
                last.w += slot;
                last.mid = last.x + last.w / 2.0;
            }
            _ => phases.push(PhaseMark {
                n: phases.len() + 1,
                x,
                w: slot,
                mid: x + slot / 2.0,
                title,
            }),
        }
    }

    let y_ticks = (0..)
        .map(|k| k as f64 * step)
        .take_while(|v| *v <= ceiling + step / 100.0)
        .map(|v| Tick {
            at: y(v),
            label: number(v),
        })
        .collect();
    let every = n.div_ceil(24).max(1);
    let x_ticks = (0..n)
        .filter(|i| (i + 1) % every == 0 || *i == 0)
        .map(|i| Tick {
            at: LEFT + slot * (i as f64 + 0.5),
            label: (i + 1).to_string(),
        })
        .collect();
    let any_unknown = loads.contains(&Load::Unknown);
    let any_band = bars.iter().any(|b| b.kind == "band");
    let any_none = bars.iter().any(|b| b.kind == "none");
    let summary = format!(
        "{measure} for each of the plan's {n} weeks, with its phases marked{}.",
        if any_unknown {
            "; dotted columns marked ? are weeks whose running is not known"
        } else {
            ""
        }
    );
    Chart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right: WIDTH - RIGHT,
        top: TOP,
        bottom: HEIGHT - BOTTOM,
        measure,
        y_ticks,
        x_ticks,
        bars,
        phases,
        any_unknown,
        any_band,
        any_none,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(step(135.0), 50.0);
        assert_eq!(step(12.0), 5.0);
        assert_eq!(step(1.0), 0.2);
        assert_eq!(number(2.25), "2.3");
        assert_eq!(number(30.0), "30");
    }
}
