//! Evaluating the native form, counting operations as Rhai counts them.

use super::{Bin, Ex, Program, St};
use crate::host::{Host, call_native};
use crate::limits::Limits;
use crate::vars::{Value, Vars};

/// A value during a native evaluation: borrowed from the variables or the script, or
/// made by it.
#[derive(Debug)]
pub(crate) enum V<'a> {
    B(&'a Value),
    O(Value),
}

impl V<'_> {
    fn get(&self) -> &Value {
        match self {
            V::B(v) => v,
            V::O(v) => v,
        }
    }

    pub(crate) fn into_owned(self) -> Value {
        match self {
            V::B(v) => v.clone(),
            V::O(v) => v,
        }
    }
}

/// Why a native evaluation stopped early.
enum Stop<'a> {
    /// Rhai must run the script instead.
    Bail,
    /// A `return` on its way to the function or script it leaves.
    Ret(V<'a>),
}

type R<'a, T> = Result<T, Stop<'a>>;

/// The state of one native evaluation.
pub(crate) struct Cx<'a> {
    pub(crate) outer: &'a Vars,
    pub(crate) host: &'a Host,
    pub(crate) limits: &'a Limits,
    /// Operations counted so far, as Rhai would count them.
    pub(crate) ops: u64,
}

/// Runs a program; `None` when Rhai must run it instead.
pub(crate) fn run<'a>(program: &'a Program, cx: &mut Cx<'a>) -> Option<V<'a>> {
    let mut frame: Vec<V<'a>> = Vec::new();
    frame.resize_with(program.slots, || V::O(Value::Unit));
    match block(&program.body, cx, &mut frame) {
        Ok(v) | Err(Stop::Ret(v)) => Some(v),
        Err(Stop::Bail) => None,
    }
}

fn block<'a>(body: &'a [St], cx: &mut Cx<'a>, frame: &mut Vec<V<'a>>) -> R<'a, V<'a>> {
    let mut last = V::O(Value::Unit);
    for s in body {
        last = stmt(s, cx, frame)?;
    }
    Ok(last)
}

fn stmt<'a>(s: &'a St, cx: &mut Cx<'a>, frame: &mut Vec<V<'a>>) -> R<'a, V<'a>> {
    cx.ops += 1;
    Ok(match s {
        St::Noop => V::O(Value::Unit),
        St::Expr(e) => expr(e, cx, frame)?,
        St::Call(e) => inner(e, cx, frame)?,
        St::Let(slot, e) => {
            let value = expr(e, cx, frame)?;
            frame[*slot] = value;
            V::O(Value::Unit)
        }
        St::Assign(slot, e) => {
            let value = expr(e, cx, frame)?;
            cx.ops += 1;
            frame[*slot] = value;
            V::O(Value::Unit)
        }
        St::For(x) => {
            let (slot, items, body) = &**x;
            // The array is an expression of its own: one operation, then its items.
            cx.ops += 1;
            let mut list = Vec::with_capacity(items.len());
            for item in items.iter() {
                list.push(expr(item, cx, frame)?.into_owned());
            }
            let list = Value::List(list);
            if !within_limits(&list, cx.limits) {
                return Err(Stop::Bail);
            }
            let Value::List(list) = list else {
                return Err(Stop::Bail);
            };
            for item in list {
                if body.is_empty() {
                    cx.ops += 1;
                    continue;
                }
                frame[*slot] = V::O(item);
                block(body, cx, frame)?;
            }
            V::O(Value::Unit)
        }
        St::If(x) => {
            let (guard, body, branch) = &**x;
            match expr(guard, cx, frame)?.get() {
                Value::Bool(true) if !body.is_empty() => block(body, cx, frame)?,
                Value::Bool(false) if !branch.is_empty() => block(branch, cx, frame)?,
                Value::Bool(_) => V::O(Value::Unit),
                _ => return Err(Stop::Bail),
            }
        }
        St::Return(value) => {
            let value = match value {
                Some(e) => expr(e, cx, frame)?,
                None => V::O(Value::Unit),
            };
            return Err(Stop::Ret(value));
        }
        St::Block(body) => block(body, cx, frame)?,
        St::Throw => return Err(Stop::Bail),
    })
}

/// An expression as Rhai's `eval_expr` evaluates it: one operation, then its own.
fn expr<'a>(e: &'a Ex, cx: &mut Cx<'a>, frame: &mut Vec<V<'a>>) -> R<'a, V<'a>> {
    cx.ops += 1;
    inner(e, cx, frame)
}

fn boolean(v: &V<'_>) -> Result<bool, ()> {
    match v.get() {
        Value::Bool(b) => Ok(*b),
        _ => Err(()),
    }
}

fn inner<'a>(e: &'a Ex, cx: &mut Cx<'a>, frame: &mut Vec<V<'a>>) -> R<'a, V<'a>> {
    Ok(match e {
        Ex::Lit(v) => V::B(v),
        Ex::Local(slot) => match &frame[*slot] {
            V::B(v) => V::B(v),
            V::O(v) => V::O(v.clone()),
        },
        Ex::Outer(name) => V::B(cx.outer.get(name).ok_or(Stop::Bail)?),
        Ex::Prop { base, path, index } => {
            if !index && path.len() >= 2 {
                cx.ops += path.len() as u64;
            }
            let mut value = expr(base, cx, frame)?;
            for key in path.iter() {
                cx.ops += 1;
                value = match value {
                    V::B(Value::Map(map)) => match map.get(key) {
                        Some(v) => V::B(v),
                        None => V::O(Value::Unit),
                    },
                    V::O(Value::Map(map)) => V::O(map.get(key).cloned().unwrap_or(Value::Unit)),
                    _ => return Err(Stop::Bail),
                };
            }
            value
        }
        Ex::And(list) => {
            for item in list.iter() {
                if !boolean(&expr(item, cx, frame)?).map_err(|()| Stop::Bail)? {
                    return Ok(V::O(Value::Bool(false)));
                }
            }
            V::O(Value::Bool(true))
        }
        Ex::Or(list) => {
            for item in list.iter() {
                if boolean(&expr(item, cx, frame)?).map_err(|()| Stop::Bail)? {
                    return Ok(V::O(Value::Bool(true)));
                }
            }
            V::O(Value::Bool(false))
        }
        Ex::Not(a) => match expr(a, cx, frame)?.get() {
            Value::Bool(b) => V::O(Value::Bool(!b)),
            _ => return Err(Stop::Bail),
        },
        Ex::Neg(a) => match expr(a, cx, frame)?.get() {
            Value::Int(i) => V::O(Value::Int(i.checked_neg().ok_or(Stop::Bail)?)),
            Value::Float(f) => V::O(Value::Float(-f)),
            _ => return Err(Stop::Bail),
        },
        Ex::Bin(op, x) => {
            let a = expr(&x.0, cx, frame)?;
            let b = expr(&x.1, cx, frame)?;
            V::O(binary(*op, a.get(), b.get()).ok_or(Stop::Bail)?)
        }
        Ex::Host(call, args) => {
            // No host function takes more than three arguments.
            let value = match &args[..] {
                [] => {
                    cx.ops += 1;
                    call_native(cx.host, *call, &[])
                }
                [a] => {
                    let a = expr(a, cx, frame)?;
                    cx.ops += 1;
                    call_native(cx.host, *call, &[a.get()])
                }
                [a, b] => {
                    let a = expr(a, cx, frame)?;
                    let b = expr(b, cx, frame)?;
                    cx.ops += 1;
                    call_native(cx.host, *call, &[a.get(), b.get()])
                }
                [a, b, c] => {
                    let a = expr(a, cx, frame)?;
                    let b = expr(b, cx, frame)?;
                    let c = expr(c, cx, frame)?;
                    cx.ops += 1;
                    call_native(cx.host, *call, &[a.get(), b.get(), c.get()])
                }
                _ => None,
            }
            .ok_or(Stop::Bail)?;
            if !within_limits(&value, cx.limits) {
                return Err(Stop::Bail);
            }
            V::O(value)
        }
        Ex::Script {
            func,
            args,
            qualified,
        } => {
            let mut callee: Vec<V<'a>> = Vec::with_capacity(func.slots);
            for a in args.iter() {
                callee.push(expr(a, cx, frame)?);
            }
            if func.body.is_empty() {
                // Rhai skips an empty body before counting the call, except through a
                // module path.
                if *qualified {
                    cx.ops += 1;
                }
                return Ok(V::O(Value::Unit));
            }
            cx.ops += 1;
            debug_assert_eq!(callee.len(), func.params);
            callee.resize_with(func.slots, || V::O(Value::Unit));
            match block(&func.body, cx, &mut callee) {
                Ok(v) | Err(Stop::Ret(v)) => v,
                Err(Stop::Bail) => return Err(Stop::Bail),
            }
        }
        Ex::Block(body) => block(body, cx, frame)?,
        Ex::Contains(x) => {
            // Rhai evaluates the method's argument first, then the object.
            cx.ops += 1;
            let arg = expr(&x.1, cx, frame)?;
            let base = expr(&x.0, cx, frame)?;
            cx.ops += 1;
            match (base.get(), arg.get()) {
                (Value::Str(s), Value::Str(t)) => V::O(Value::Bool(s.contains(t.as_str()))),
                _ => return Err(Stop::Bail),
            }
        }
    })
}

/// Whether a host function's value is well within Rhai's data limits; a value near them
/// is left to Rhai, which checks them exactly.
fn within_limits(value: &Value, limits: &Limits) -> bool {
    fn sizes(value: &Value, total: &mut (usize, usize, usize)) {
        match value {
            Value::Str(s) => total.2 += s.len(),
            Value::List(items) => {
                total.0 += items.len();
                for item in items {
                    sizes(item, total);
                }
            }
            Value::Map(vars) => {
                total.1 += vars.len();
                for (_, item) in vars.iter() {
                    sizes(item, total);
                }
            }
            _ => {}
        }
    }
    let mut total = (0, 0, 0);
    sizes(value, &mut total);
    total.0 < limits.max_array_size / 2
        && total.1 < limits.max_map_size / 2
        && total.2 < limits.max_string_size / 2
}

/// A binary operator as Rhai's built-in operators apply it; `None` where Rhai would
/// fail or look the operator up among registered functions.
fn binary(op: Bin, x: &Value, y: &Value) -> Option<Value> {
    use Value::{Bool, Float, Int, Str, Unit};
    match (x, y) {
        (Int(a), Int(b)) => int_op(op, *a, *b),
        (Float(a), Float(b)) => float_op(op, *a, *b),
        #[allow(clippy::cast_precision_loss)]
        (Float(a), Int(b)) => float_op(op, *a, *b as f64),
        #[allow(clippy::cast_precision_loss)]
        (Int(a), Float(b)) => float_op(op, *a as f64, *b),
        (Bool(a), Bool(b)) => compare(op, a.cmp(b)),
        (Str(a), Str(b)) => compare(op, a.as_str().cmp(b.as_str())),
        (Unit, Unit) => match op {
            Bin::Eq => Some(Bool(true)),
            Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => Some(Bool(false)),
            _ => None,
        },
        _ if std::mem::discriminant(x) == std::mem::discriminant(y) => None,
        // Different types, not both numbers: Rhai's comparisons say they differ.
        _ => match op {
            Bin::Ne => Some(Bool(true)),
            Bin::Eq | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => Some(Bool(false)),
            _ => None,
        },
    }
}

fn compare(op: Bin, order: std::cmp::Ordering) -> Option<Value> {
    Some(Value::Bool(match op {
        Bin::Eq => order.is_eq(),
        Bin::Ne => order.is_ne(),
        Bin::Lt => order.is_lt(),
        Bin::Le => order.is_le(),
        Bin::Gt => order.is_gt(),
        Bin::Ge => order.is_ge(),
        _ => return None,
    }))
}

fn int_op(op: Bin, x: i64, y: i64) -> Option<Value> {
    Some(Value::Int(match op {
        Bin::Add => x.checked_add(y)?,
        Bin::Sub => x.checked_sub(y)?,
        Bin::Mul => x.checked_mul(y)?,
        Bin::Div if y == 0 => return None,
        Bin::Div => x.checked_div(y)?,
        Bin::Rem => x.checked_rem(y)?,
        Bin::Pow => x.checked_pow(u32::try_from(y).ok()?)?,
        _ => return compare(op, x.cmp(&y)),
    }))
}

/// Floats as Rhai's checked build compares them: equal within a relative epsilon.
fn float_op(op: Bin, x: f64, y: f64) -> Option<Value> {
    let scale = || {
        if x * y == 0.0 {
            1.0
        } else {
            x.abs().max(y.abs())
        }
    };
    let eps = f64::EPSILON;
    Some(match op {
        Bin::Add => Value::Float(x + y),
        Bin::Sub => Value::Float(x - y),
        Bin::Mul => Value::Float(x * y),
        Bin::Div => Value::Float(x / y),
        Bin::Rem => Value::Float(x % y),
        Bin::Pow => Value::Float(x.powf(y)),
        Bin::Eq => {
            let max = scale();
            Value::Bool(max == 0.0 || (x - y).abs() / max <= eps)
        }
        Bin::Ne => {
            let max = scale();
            Value::Bool(max != 0.0 && (x - y).abs() / max > eps)
        }
        Bin::Gt => {
            let max = scale();
            Value::Bool(max != 0.0 && (x - y) / max > eps)
        }
        Bin::Ge => {
            let max = scale();
            Value::Bool(max == 0.0 || (x - y) / max > -eps)
        }
        Bin::Lt => {
            let max = scale();
            Value::Bool(max != 0.0 && (y - x) / max > eps)
        }
        Bin::Le => {
            let max = scale();
            Value::Bool(max == 0.0 || (y - x) / max > -eps)
        }
    })
}

/// Converts a native result to what Rhai would have returned: maps come back from Rhai
/// with their properties sorted.
pub(crate) fn as_rhai_gives(value: Value) -> Value {
    match value {
        Value::Map(_) | Value::List(_) => {
            Value::from_dynamic(value.to_dynamic()).unwrap_or(Value::Unit)
        }
        other => other,
    }
}
