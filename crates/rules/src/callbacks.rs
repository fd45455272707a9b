//! Array functions that take a callback, rewritten so that every error the callback
//! raises stops the script.
//!
//! Rhai's own `sort`/`order` with a comparator and `dedup` swallow the comparator's
//! errors: a comparator that runs out of operations is ignored and sorting goes on, so a
//! comparator that itself sorts with a comparator runs for minutes past every limit.
//! These versions, registered in the engine's own namespace (which Rhai searches before
//! its packages), pass every error on, so the operation limit and the run budget hold
//! inside callbacks as they do everywhere else. Rhai's other callback-taking functions
//! (`filter`, `map`, `reduce`, `retain`, `drain`, `some`, `all`, `index_of`, `find`,
//! `zip`, `for_each`...) already pass errors on; `tests/hostile_scripts.rs` holds every
//! one of them to that.

use std::cmp::Ordering;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, NativeCallContext, Position};

type Outcome<T> = Result<T, Box<EvalAltResult>>;

/// Registers the replacements in `engine`'s global namespace.
pub(crate) fn register(engine: &mut Engine) {
    engine
        .register_fn("sort", sort_by)
        .register_fn("sort_by", sort_by)
        .register_fn("order", order_by)
        .register_fn("order_by", order_by)
        .register_fn("dedup", dedup_by)
        .register_fn("dedup", dedup);
}

/// `array.sort(|a, b| ...)`: a stable sort by a comparator that gives a number (its sign
/// orders the two) or `true` when `a` comes first.
fn sort_by(ctx: NativeCallContext, array: &mut Array, comparer: FnPtr) -> Outcome<()> {
    let items = std::mem::take(array);
    *array = merge_sort(items, &mut |a, b| compare(&ctx, &comparer, a, b))?;
    Ok(())
}

/// `array.order(|a, b| ...)`: a sorted copy, as [`sort_by`].
fn order_by(ctx: NativeCallContext, array: &mut Array, comparer: FnPtr) -> Outcome<Array> {
    merge_sort(array.clone(), &mut |a, b| compare(&ctx, &comparer, a, b))
}

/// `array.dedup(|a, b| ...)`: drops each item for which the callback, given the item kept
/// before it and the item, says `true`.
fn dedup_by(ctx: NativeCallContext, array: &mut Array, same: FnPtr) -> Outcome<()> {
    dedup_with(array, |kept, item| {
        let answer = same.call_raw(&ctx, None, [kept.clone(), item.clone()])?;
        Ok(answer.as_bool().unwrap_or(false))
    })
}

/// `array.dedup()`: drops consecutive items equal to the one before.
fn dedup(ctx: NativeCallContext, array: &mut Array) -> Outcome<()> {
    dedup_with(array, |kept, item| {
        let mut args = [&mut kept.clone(), &mut item.clone()];
        match ctx.call_native_fn_raw("==", true, &mut args) {
            Ok(answer) => Ok(answer.as_bool().unwrap_or(false)),
            // Values of different types are simply not equal.
            Err(err) if matches!(*err, EvalAltResult::ErrorFunctionNotFound(..)) => {
                if kept.type_id() == item.type_id() {
                    Err(err)
                } else {
                    Ok(false)
                }
            }
            Err(err) => Err(err),
        }
    })
}

fn dedup_with(
    array: &mut Array,
    mut same: impl FnMut(&Dynamic, &Dynamic) -> Outcome<bool>,
) -> Outcome<()> {
    let mut kept: Array = Vec::with_capacity(array.len());
    for item in std::mem::take(array) {
        match kept.last() {
            Some(last) if same(last, &item)? => {}
            _ => kept.push(item),
        }
    }
    *array = kept;
    Ok(())
}

/// Calls the comparator and reads its answer as an ordering.
fn compare(
    ctx: &NativeCallContext,
    comparer: &FnPtr,
    a: &Dynamic,
    b: &Dynamic,
) -> Outcome<Ordering> {
    let answer = comparer.call_raw(ctx, None, [a.clone(), b.clone()])?;
    if let Ok(n) = answer.as_int() {
        return Ok(n.cmp(&0));
    }
    if let Ok(first) = answer.as_bool() {
        return Ok(if first {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    Err(EvalAltResult::ErrorRuntime(
        format!(
            "a sort comparator must give a number or true/false, but this one gave a value of type {}",
            answer.type_name()
        )
        .into(),
        Position::NONE,
    )
    .into())
}

/// A stable merge sort that stops at the comparator's first error. Unlike the standard
/// library's sorts, it never panics on a comparator that is not a total order.
fn merge_sort(
    mut items: Vec<Dynamic>,
    cmp: &mut impl FnMut(&Dynamic, &Dynamic) -> Outcome<Ordering>,
) -> Outcome<Vec<Dynamic>> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items, cmp)?;
    let right = merge_sort(right, cmp)?;
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(a), Some(b)) = (left.peek(), right.peek()) {
        let next = if cmp(a, b)? == Ordering::Greater {
            right.next()
        } else {
            left.next()
        };
        merged.extend(next);
    }
    merged.extend(left);
    merged.extend(right);
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(values: &[i64]) -> Vec<Dynamic> {
        values.iter().map(|v| Dynamic::from_int(*v)).collect()
    }

    fn as_ints(values: &[Dynamic]) -> Vec<i64> {
        values.iter().map(|v| v.as_int().unwrap_or(-1)).collect()
    }

    #[test]
    fn merge_sort_sorts_and_is_stable() {
        let sorted = merge_sort(ints(&[5, 3, 9, 1, 3, 7]), &mut |a, b| {
            Ok(a.as_int().unwrap_or(0).cmp(&b.as_int().unwrap_or(0)))
        });
        assert_eq!(as_ints(&sorted.unwrap_or_default()), [1, 3, 3, 5, 7, 9]);
    }

    #[test]
    fn merge_sort_survives_a_comparator_that_is_no_order() {
        let mut flip = false;
        let sorted = merge_sort(ints(&(0..100).collect::<Vec<_>>()), &mut |_, _| {
            flip = !flip;
            Ok(if flip {
                Ordering::Less
            } else {
                Ordering::Greater
            })
        });
        assert_eq!(sorted.map(|s| s.len()).unwrap_or(0), 100);
    }

    #[test]
    fn merge_sort_stops_at_the_first_error() {
        let mut calls = 0;
        let sorted = merge_sort(ints(&(0..1000).collect::<Vec<_>>()), &mut |_, _| {
            calls += 1;
            Err(EvalAltResult::ErrorRuntime("no".into(), Position::NONE).into())
        });
        assert!(sorted.is_err());
        assert_eq!(calls, 1);
    }
}
