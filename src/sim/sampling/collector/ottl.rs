//! The documented OTTL subset of the lab's `ottl_condition` policy: boolean
//! conditions in the `span` and `spanevent` contexts (OpenTelemetry
//! Transformation Language, `pkg/ottl` in opentelemetry-collector-contrib).
//!
//! - Paths: `name`, `kind`, `status.code`, `attributes["k"]`,
//!   `resource.attributes["k"]`, `start_time_unix_nano`,
//!   `end_time_unix_nano`; in `spanevent`: `name`, `attributes["k"]`,
//!   `time_unix_nano` of the event, and `span.` + a span path.
//! - Literals: strings, integers, floats, `true`, `false`, `nil`, and the
//!   enums `SPAN_KIND_*` and `STATUS_CODE_*`.
//! - `==`, `!=`, `<`, `<=`, `>`, `>=`, `and`, `or`, `not`, parentheses,
//!   `IsMatch(value, "regex")`, and `+ - * /` over the time paths and integer
//!   literals (durations: `end_time_unix_nano - start_time_unix_nano > 5000000`).
//!
//! Comparisons follow OTTL: values of different types are unequal and not
//! ordered; `nil` equals only `nil`; integers and floats compare as numbers.
//! Arithmetic is limited to values that cannot fail, so no condition of the
//! subset can raise an evaluation error and `error_mode` changes nothing.

use regex::Regex;

use crate::sim::trace::AttrValue;

/// What a condition reads from a span.
pub trait SpanData {
    /// Span name.
    fn name(&self) -> &str;
    /// `SPAN_KIND_*` number (internal 1 … consumer 5).
    fn kind(&self) -> i64;
    /// `STATUS_CODE_*` number (unset 0, ok 1, error 2).
    fn status_code(&self) -> i64;
    /// A span attribute.
    fn attr(&self, key: &str) -> Option<AttrValue>;
    /// A resource attribute.
    fn resource_attr(&self, key: &str) -> Option<AttrValue>;
    /// Start and end, ns.
    fn times(&self) -> (u64, u64);
    /// The span's events.
    fn events(&self) -> Vec<EventData>;
}

/// One span event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventData {
    /// Event name.
    pub name: String,
    /// Time, ns.
    pub time_ns: u64,
    /// Attributes.
    pub attrs: Vec<(String, AttrValue)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Nil,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Kind,
    Status,
    Start,
    End,
    EventName,
    EventTime,
}

#[derive(Debug, Clone)]
enum Term {
    Lit(Val),
    Field(Field),
    Attr(String),
    ResAttr(String),
    EventAttr(String),
    IsMatch(Box<Term>, Regex),
    Arith(Box<Term>, char, Box<Term>),
}

#[derive(Debug, Clone)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Cmp(Term, &'static str, Term),
    Test(Term),
}

/// Compiled `span` and `spanevent` conditions of one policy.
#[derive(Debug, Clone)]
pub struct Program {
    span: Vec<Expr>,
    event: Vec<Expr>,
}

impl Program {
    /// Compiles the conditions; the error names the condition and the fault.
    pub fn new(span: &[String], spanevent: &[String]) -> Result<Program, String> {
        let compile = |list: &[String], event: bool| -> Result<Vec<Expr>, String> {
            list.iter()
                .map(|c| parse(c, event).map_err(|e| format!("OTTL condition `{c}`: {e}")))
                .collect()
        };
        Ok(Program {
            span: compile(span, false)?,
            event: compile(spanevent, true)?,
        })
    }

    /// True when some span condition holds for the span, or some span
    /// event condition for one of its events.
    pub fn matches(&self, s: &dyn SpanData) -> bool {
        if self.span.iter().any(|e| e.eval(s, None)) {
            return true;
        }
        if self.event.is_empty() {
            return false;
        }
        s.events()
            .iter()
            .any(|ev| self.event.iter().any(|e| e.eval(s, Some(ev))))
    }

    /// True when the outcome depends only on the span's name, kind and
    /// attributes for which `is_static(key)` holds (and the resource).
    pub fn is_static(&self, is_static: &dyn Fn(&str) -> bool) -> bool {
        self.event.is_empty() && self.span.iter().all(|e| e.is_static(is_static))
    }
}

fn to_val(v: Option<AttrValue>) -> Val {
    match v {
        None => Val::Nil,
        Some(AttrValue::Str(s)) => Val::Str(s.to_string()),
        Some(AttrValue::Int(i)) => Val::Int(i),
        Some(AttrValue::Float(f)) => Val::Float(f),
        Some(AttrValue::Bool(b)) => Val::Bool(b),
    }
}

impl Term {
    fn eval(&self, s: &dyn SpanData, ev: Option<&EventData>) -> Val {
        match self {
            Term::Lit(v) => v.clone(),
            Term::Field(f) => match f {
                Field::Name => Val::Str(s.name().to_string()),
                Field::Kind => Val::Int(s.kind()),
                Field::Status => Val::Int(s.status_code()),
                Field::Start => Val::Int(s.times().0 as i64),
                Field::End => Val::Int(s.times().1 as i64),
                Field::EventName => ev.map_or(Val::Nil, |e| Val::Str(e.name.clone())),
                Field::EventTime => ev.map_or(Val::Nil, |e| Val::Int(e.time_ns as i64)),
            },
            Term::Attr(k) => to_val(s.attr(k)),
            Term::ResAttr(k) => to_val(s.resource_attr(k)),
            Term::EventAttr(k) => to_val(ev.and_then(|e| {
                e.attrs
                    .iter()
                    .find(|(ek, _)| ek == k)
                    .map(|(_, v)| v.clone())
            })),
            Term::IsMatch(t, re) => Val::Bool(match t.eval(s, ev) {
                Val::Str(x) => re.is_match(&x),
                Val::Int(i) => re.is_match(&i.to_string()),
                Val::Float(f) => re.is_match(&f.to_string()),
                Val::Bool(b) => re.is_match(&b.to_string()),
                Val::Nil => false,
            }),
            Term::Arith(a, op, b) => match (a.eval(s, ev), b.eval(s, ev)) {
                (Val::Int(x), Val::Int(y)) => Val::Int(match op {
                    '+' => x.wrapping_add(y),
                    '-' => x.wrapping_sub(y),
                    '*' => x.wrapping_mul(y),
                    _ => x.checked_div(y).unwrap_or(0),
                }),
                _ => Val::Nil,
            },
        }
    }

    fn is_static(&self, st: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Term::Lit(_) | Term::ResAttr(_) => true,
            Term::Field(f) => matches!(f, Field::Name | Field::Kind),
            Term::Attr(k) => st(k),
            Term::EventAttr(_) => false,
            Term::IsMatch(t, _) => t.is_static(st),
            Term::Arith(a, _, b) => a.is_static(st) && b.is_static(st),
        }
    }
}

fn compare(a: &Val, op: &str, b: &Val) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Val::Nil, Val::Nil) => Some(Ordering::Equal),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(y),
        (Val::Int(x), Val::Float(y)) => (*x as f64).partial_cmp(y),
        (Val::Float(x), Val::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Val::Bool(x), Val::Bool(y)) if matches!(op, "==" | "!=") => Some(x.cmp(y)),
        _ => None,
    };
    match (op, ord) {
        ("==", o) => o == Some(Ordering::Equal),
        ("!=", o) => o != Some(Ordering::Equal),
        (_, None) => false,
        ("<", Some(o)) => o == Ordering::Less,
        ("<=", Some(o)) => o != Ordering::Greater,
        (">", Some(o)) => o == Ordering::Greater,
        (_, Some(o)) => o != Ordering::Less,
    }
}

impl Expr {
    fn eval(&self, s: &dyn SpanData, ev: Option<&EventData>) -> bool {
        match self {
            Expr::Or(v) => v.iter().any(|e| e.eval(s, ev)),
            Expr::And(v) => v.iter().all(|e| e.eval(s, ev)),
            Expr::Not(e) => !e.eval(s, ev),
            Expr::Cmp(a, op, b) => compare(&a.eval(s, ev), op, &b.eval(s, ev)),
            Expr::Test(t) => t.eval(s, ev) == Val::Bool(true),
        }
    }

    fn is_static(&self, st: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Expr::Or(v) | Expr::And(v) => v.iter().all(|e| e.is_static(st)),
            Expr::Not(e) => e.is_static(st),
            Expr::Cmp(a, _, b) => a.is_static(st) && b.is_static(st),
            Expr::Test(t) => t.is_static(st),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Num(String),
    Ident(String),
    Op(&'static str),
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '"' => {
                let mut s = String::new();
                loop {
                    match it.next() {
                        Some((_, '\\')) => match it.next() {
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            Some((_, x)) => s.push(x),
                            None => return Err("a string is not closed".into()),
                        },
                        Some((_, '"')) => break,
                        Some((_, x)) => s.push(x),
                        None => return Err("a string is not closed".into()),
                    }
                }
                out.push(Tok::Str(s));
            }
            '0'..='9' => {
                let mut end = i + 1;
                while let Some(&(j, d)) = it.peek() {
                    if !(d.is_ascii_digit() || d == '.' || d == 'e' || d == '_') {
                        break;
                    }
                    end = j + d.len_utf8();
                    it.next();
                }
                out.push(Tok::Num(text[i..end].to_string()));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut end = i + 1;
                while let Some(&(j, d)) = it.peek() {
                    if !(d.is_ascii_alphanumeric() || d == '_' || d == '.') {
                        break;
                    }
                    end = j + 1;
                    it.next();
                }
                out.push(Tok::Ident(text[i..end].to_string()));
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or("");
                let op: &'static str = match two {
                    "==" => "==",
                    "!=" => "!=",
                    "<=" => "<=",
                    ">=" => ">=",
                    _ => match c {
                        '<' => "<",
                        '>' => ">",
                        '(' => "(",
                        ')' => ")",
                        '[' => "[",
                        ']' => "]",
                        ',' => ",",
                        '+' => "+",
                        '-' => "-",
                        '*' => "*",
                        '/' => "/",
                        _ => return Err(format!("unexpected `{c}`")),
                    },
                };
                if op.len() == 2 {
                    it.next();
                }
                out.push(Tok::Op(op));
            }
        }
    }
    Ok(out)
}

struct P {
    toks: Vec<Tok>,
    at: usize,
    event: bool,
}

fn parse(text: &str, event: bool) -> Result<Expr, String> {
    let mut p = P {
        toks: lex(text)?,
        at: 0,
        event,
    };
    let e = p.or()?;
    match p.toks.get(p.at) {
        None => Ok(e),
        Some(t) => Err(format!("unexpected {t:?} after the condition")),
    }
}

mod parser;

#[cfg(test)]
mod tests;
