//! Evaluating the native form, counting operations as Rhai counts them.

use smallvec::SmallVec;

use super::{Bin, Ex, Program, St};
use crate::host::{Host, call_native};
use crate::limits::Limits;
use crate::vars::{Value, Vars};

/// A value during a native evaluation. Numbers, booleans and `()` are held as they are;
/// text, lists and maps are borrowed from the variables or the script, so reading them
/// copies nothing. Only what a host function makes is owned, and never a number,
/// boolean or `()`: `Own` holds text, a list or a map.
#[derive(Debug, Clone)]
pub(crate) enum V<'a> {
    Unit,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(&'a str),
    List(&'a [Value]),
    Map(&'a Vars),
    Own(Box<Value>),
}

impl<'a> V<'a> {
    /// A value of the variables or the script, borrowed.
    fn of(value: &'a Value) -> V<'a> {
        match value {
            Value::Unit => V::Unit,
            Value::Int(i) => V::Int(*i),
            Value::Float(f) => V::Float(*f),
            Value::Bool(b) => V::Bool(*b),
            Value::Str(s) => V::Str(s),
            Value::List(items) => V::List(items),
            Value::Map(vars) => V::Map(vars),
        }
    }

    /// A value made during the evaluation.
    fn made(value: Value) -> V<'a> {
        match value {
            Value::Unit => V::Unit,
            Value::Int(i) => V::Int(i),
            Value::Float(f) => V::Float(f),
            Value::Bool(b) => V::Bool(b),
            other => V::Own(Box::new(other)),
        }
    }

    /// The value as a borrowed one, whoever holds it: never `Own`.
    fn view(&self) -> V<'_> {
        match self {
            V::Own(value) => V::of(value),
            // Every other kind is a number, a boolean or a reference: cloning copies it.
            other => other.clone(),
        }
    }

    /// The plain value, copied where it is borrowed.
    fn to_value(&self) -> Value {
        match self {
            V::Own(value) => (**value).clone(),
            other => other.view().into_owned(),
        }
    }

    pub(crate) fn into_owned(self) -> Value {
        match self {
            V::Unit => Value::Unit,
            V::Int(i) => Value::Int(i),
            V::Float(f) => Value::Float(f),
            V::Bool(b) => Value::Bool(b),
            V::Str(s) => Value::Str(s.to_owned()),
            V::List(items) => Value::List(items.to_vec()),
            V::Map(vars) => Value::Map(vars.clone()),
            V::Own(value) => *value,
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

/// The values of one evaluation: the script's variables, then each module function's
/// frame above its caller's, and the items of a `for` loop's array while it runs. Held
/// inline: the shipped scripts never need more than a few slots, so an evaluation
/// allocates nothing for them.
type Stack<'a> = SmallVec<[V<'a>; 16]>;

/// The state of one native evaluation.
pub(crate) struct Cx<'a> {
    pub(crate) outer: &'a Vars,
    pub(crate) host: &'a Host,
    pub(crate) limits: &'a Limits,
    /// Operations counted so far, as Rhai would count them.
    pub(crate) ops: u64,
    /// Host functions called so far.
    pub(crate) host_calls: u64,
}

/// Runs a program; `None` when Rhai must run it instead.
pub(crate) fn run<'a>(program: &'a Program, cx: &mut Cx<'a>) -> Option<V<'a>> {
    let mut stack: Stack<'a> = SmallVec::new();
    stack.resize(program.slots, V::Unit);
    match block(&program.body, cx, &mut stack, 0) {
        Ok(v) | Err(Stop::Ret(v)) => Some(v),
        Err(Stop::Bail) => None,
    }
}

/// A block of statements whose variables' slots start at `base` on the stack.
fn block<'a>(body: &'a [St], cx: &mut Cx<'a>, st: &mut Stack<'a>, base: usize) -> R<'a, V<'a>> {
    let mut last = V::Unit;
    for s in body {
        last = stmt(s, cx, st, base)?;
    }
    Ok(last)
}

fn stmt<'a>(s: &'a St, cx: &mut Cx<'a>, st: &mut Stack<'a>, base: usize) -> R<'a, V<'a>> {
    cx.ops += 1;
    Ok(match s {
        St::Noop => V::Unit,
        St::Expr(e) => expr(e, cx, st, base)?,
        St::Call(e) => inner(e, cx, st, base)?,
        St::Let(slot, e) => {
            let value = expr(e, cx, st, base)?;
            st[base + slot] = value;
            V::Unit
        }
        St::Assign(slot, e) => {
            let value = expr(e, cx, st, base)?;
            cx.ops += 1;
            st[base + slot] = value;
            V::Unit
        }
        St::For(x) => {
            let (slot, items, body) = &**x;
            // The array is an expression of its own: one operation, then its items,
            // all evaluated before the first turn, as Rhai builds the array first.
            cx.ops += 1;
            let top = st.len();
            for item in items.iter() {
                let value = expr(item, cx, st, base)?;
                st.push(value);
            }
            if !items_within_limits(&st[top..], cx.limits) {
                return Err(Stop::Bail);
            }
            for i in top..top + items.len() {
                if body.is_empty() {
                    cx.ops += 1;
                    continue;
                }
                st[base + slot] = st[i].clone();
                block(body, cx, st, base)?;
            }
            st.truncate(top);
            V::Unit
        }
        St::If(x) => {
            let (guard, body, branch) = &**x;
            match expr(guard, cx, st, base)? {
                V::Bool(true) if !body.is_empty() => block(body, cx, st, base)?,
                V::Bool(false) if !branch.is_empty() => block(branch, cx, st, base)?,
                V::Bool(_) => V::Unit,
                _ => return Err(Stop::Bail),
            }
        }
        St::Return(value) => {
            let value = match value {
                Some(e) => expr(e, cx, st, base)?,
                None => V::Unit,
            };
            return Err(Stop::Ret(value));
        }
        St::Block(body) => block(body, cx, st, base)?,
        St::Throw => return Err(Stop::Bail),
    })
}

/// An expression as Rhai's `eval_expr` evaluates it: one operation, then its own.
fn expr<'a>(e: &'a Ex, cx: &mut Cx<'a>, st: &mut Stack<'a>, base: usize) -> R<'a, V<'a>> {
    cx.ops += 1;
    inner(e, cx, st, base)
}

fn boolean(v: &V<'_>) -> Result<bool, Stop<'static>> {
    match v {
        V::Bool(b) => Ok(*b),
        _ => Err(Stop::Bail),
    }
}

fn inner<'a>(e: &'a Ex, cx: &mut Cx<'a>, st: &mut Stack<'a>, base: usize) -> R<'a, V<'a>> {
    Ok(match e {
        Ex::Lit(v) => V::of(v),
        Ex::Local(slot) => st[base + slot].clone(),
        Ex::Outer(name) => V::of(cx.outer.get(name).ok_or(Stop::Bail)?),
        Ex::Prop {
            base: object,
            path,
            index,
        } => {
            if !index && path.len() >= 2 {
                cx.ops += path.len() as u64;
            }
            let mut value = expr(object, cx, st, base)?;
            for key in path.iter() {
                cx.ops += 1;
                value = match value {
                    V::Map(map) => map.get(key).map_or(V::Unit, V::of),
                    V::Own(owned) => match *owned {
                        Value::Map(map) => V::made(map.get(key).cloned().unwrap_or(Value::Unit)),
                        _ => return Err(Stop::Bail),
                    },
                    _ => return Err(Stop::Bail),
                };
            }
            value
        }
        Ex::And(list) => {
            for item in list.iter() {
                if !boolean(&expr(item, cx, st, base)?)? {
                    return Ok(V::Bool(false));
                }
            }
            V::Bool(true)
        }
        Ex::Or(list) => {
            for item in list.iter() {
                if boolean(&expr(item, cx, st, base)?)? {
                    return Ok(V::Bool(true));
                }
            }
            V::Bool(false)
        }
        Ex::Not(a) => match expr(a, cx, st, base)? {
            V::Bool(b) => V::Bool(!b),
            _ => return Err(Stop::Bail),
        },
        Ex::Neg(a) => match expr(a, cx, st, base)? {
            V::Int(i) => V::Int(i.checked_neg().ok_or(Stop::Bail)?),
            V::Float(f) => V::Float(-f),
            _ => return Err(Stop::Bail),
        },
        Ex::Bin(op, x) => {
            let a = expr(&x.0, cx, st, base)?;
            let b = expr(&x.1, cx, st, base)?;
            binary(*op, &a.view(), &b.view()).ok_or(Stop::Bail)?
        }
        Ex::Host(call, args) => {
            cx.host_calls += 1;
            // No host function takes more than three arguments.
            let value = match &args[..] {
                [] => {
                    cx.ops += 1;
                    call_native(cx.host, *call, &[])
                }
                [a] => {
                    let a = expr(a, cx, st, base)?.to_value();
                    cx.ops += 1;
                    call_native(cx.host, *call, &[&a])
                }
                [a, b] => {
                    let a = expr(a, cx, st, base)?.to_value();
                    let b = expr(b, cx, st, base)?.to_value();
                    cx.ops += 1;
                    call_native(cx.host, *call, &[&a, &b])
                }
                [a, b, c] => {
                    let a = expr(a, cx, st, base)?.to_value();
                    let b = expr(b, cx, st, base)?.to_value();
                    let c = expr(c, cx, st, base)?.to_value();
                    cx.ops += 1;
                    call_native(cx.host, *call, &[&a, &b, &c])
                }
                _ => None,
            }
            .ok_or(Stop::Bail)?;
            if !within_limits(&value, cx.limits) {
                return Err(Stop::Bail);
            }
            V::made(value)
        }
        Ex::Script {
            func,
            args,
            qualified,
        } => {
            // The callee's frame starts above everything its caller holds: its
            // parameters first, then its own variables.
            let callee = st.len();
            for a in args.iter() {
                let value = expr(a, cx, st, base)?;
                st.push(value);
            }
            if func.body.is_empty() {
                // Rhai skips an empty body before counting the call, except through a
                // module path.
                if *qualified {
                    cx.ops += 1;
                }
                st.truncate(callee);
                return Ok(V::Unit);
            }
            cx.ops += 1;
            debug_assert_eq!(st.len() - callee, func.params);
            st.resize(callee + func.slots, V::Unit);
            let value = match block(&func.body, cx, st, callee) {
                Ok(v) | Err(Stop::Ret(v)) => v,
                Err(Stop::Bail) => return Err(Stop::Bail),
            };
            st.truncate(callee);
            value
        }
        Ex::Block(body) => block(body, cx, st, base)?,
        Ex::Contains(x) => {
            // Rhai evaluates the method's argument first, then the object.
            cx.ops += 1;
            let arg = expr(&x.1, cx, st, base)?;
            let object = expr(&x.0, cx, st, base)?;
            cx.ops += 1;
            match (object.view(), arg.view()) {
                (V::Str(s), V::Str(t)) => V::Bool(s.contains(t)),
                _ => return Err(Stop::Bail),
            }
        }
    })
}

/// Whether a `for` loop's array, made of these items, is well within Rhai's data limits;
/// one near them is left to Rhai, which checks them exactly.
fn items_within_limits(items: &[V<'_>], limits: &Limits) -> bool {
    let mut total = (items.len(), 0, 0);
    for item in items {
        match item.view() {
            V::Str(s) => total.2 += s.len(),
            V::List(list) => list_sizes(list, &mut total),
            V::Map(vars) => map_sizes(vars, &mut total),
            _ => {}
        }
    }
    below_half(total, limits)
}

/// Whether a host function's value is well within Rhai's data limits; a value near them
/// is left to Rhai, which checks them exactly.
fn within_limits(value: &Value, limits: &Limits) -> bool {
    let mut total = (0, 0, 0);
    sizes(value, &mut total);
    below_half(total, limits)
}

/// Adds a value's array items, map properties and text bytes to `total`, nested ones
/// included.
fn sizes(value: &Value, total: &mut (usize, usize, usize)) {
    match value {
        Value::Str(s) => total.2 += s.len(),
        Value::List(items) => list_sizes(items, total),
        Value::Map(vars) => map_sizes(vars, total),
        _ => {}
    }
}

fn list_sizes(items: &[Value], total: &mut (usize, usize, usize)) {
    total.0 += items.len();
    for item in items {
        sizes(item, total);
    }
}

fn map_sizes(vars: &Vars, total: &mut (usize, usize, usize)) {
    total.1 += vars.len();
    for (_, item) in vars.iter() {
        sizes(item, total);
    }
}

fn below_half(total: (usize, usize, usize), limits: &Limits) -> bool {
    total.0 < limits.max_array_size / 2
        && total.1 < limits.max_map_size / 2
        && total.2 < limits.max_string_size / 2
}

/// A binary operator as Rhai's built-in operators apply it, on two values seen through
/// [`V::view`]; `None` where Rhai would fail or look the operator up among registered
/// functions.
fn binary(op: Bin, x: &V<'_>, y: &V<'_>) -> Option<V<'static>> {
    match (x, y) {
        (V::Int(a), V::Int(b)) => int_op(op, *a, *b),
        (V::Float(a), V::Float(b)) => float_op(op, *a, *b),
        #[allow(clippy::cast_precision_loss)]
        (V::Float(a), V::Int(b)) => float_op(op, *a, *b as f64),
        #[allow(clippy::cast_precision_loss)]
        (V::Int(a), V::Float(b)) => float_op(op, *a as f64, *b),
        (V::Bool(a), V::Bool(b)) => compare(op, a.cmp(b)),
        (V::Str(a), V::Str(b)) => compare(op, a.cmp(b)),
        (V::Unit, V::Unit) => match op {
            Bin::Eq => Some(V::Bool(true)),
            Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => Some(V::Bool(false)),
            _ => None,
        },
        _ if std::mem::discriminant(x) == std::mem::discriminant(y) => None,
        // Different types, not both numbers: Rhai's comparisons say they differ.
        _ => match op {
            Bin::Ne => Some(V::Bool(true)),
            Bin::Eq | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => Some(V::Bool(false)),
            _ => None,
        },
    }
}

fn compare(op: Bin, order: std::cmp::Ordering) -> Option<V<'static>> {
    Some(V::Bool(match op {
        Bin::Eq => order.is_eq(),
        Bin::Ne => order.is_ne(),
        Bin::Lt => order.is_lt(),
        Bin::Le => order.is_le(),
        Bin::Gt => order.is_gt(),
        Bin::Ge => order.is_ge(),
        _ => return None,
    }))
}

fn int_op(op: Bin, x: i64, y: i64) -> Option<V<'static>> {
    Some(V::Int(match op {
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
fn float_op(op: Bin, x: f64, y: f64) -> Option<V<'static>> {
    let scale = || {
        if x * y == 0.0 {
            1.0
        } else {
            x.abs().max(y.abs())
        }
    };
    let eps = f64::EPSILON;
    Some(match op {
        Bin::Add => V::Float(x + y),
        Bin::Sub => V::Float(x - y),
        Bin::Mul => V::Float(x * y),
        Bin::Div => V::Float(x / y),
        Bin::Rem => V::Float(x % y),
        Bin::Pow => V::Float(x.powf(y)),
        Bin::Eq => {
            let max = scale();
            V::Bool(max == 0.0 || (x - y).abs() / max <= eps)
        }
        Bin::Ne => {
            let max = scale();
            V::Bool(max != 0.0 && (x - y).abs() / max > eps)
        }
        Bin::Gt => {
            let max = scale();
            V::Bool(max != 0.0 && (x - y) / max > eps)
        }
        Bin::Ge => {
            let max = scale();
            V::Bool(max == 0.0 || (x - y) / max > -eps)
        }
        Bin::Lt => {
            let max = scale();
            V::Bool(max != 0.0 && (y - x) / max > eps)
        }
        Bin::Le => {
            let max = scale();
            V::Bool(max == 0.0 || (y - x) / max > -eps)
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
