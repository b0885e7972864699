//! Recursive descent over the OTTL subset's tokens.

use regex::Regex;

use super::{Expr, Field, P, Term, Tok, Val};

const COMPARE: [&str; 6] = ["==", "!=", "<=", ">=", "<", ">"];

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(x)) if x == w)
    }

    fn op(&self, o: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(x)) if *x == o)
    }

    fn expect(&mut self, o: &str) -> Result<(), String> {
        if self.op(o) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected `{o}`"))
        }
    }

    pub(super) fn or(&mut self) -> Result<Expr, String> {
        let mut v = vec![self.and()?];
        while self.word("or") {
            self.at += 1;
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::Or(v)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut v = vec![self.not()?];
        while self.word("and") {
            self.at += 1;
            v.push(self.not()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::And(v)
        })
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.word("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        if self.op("(") {
            self.at += 1;
            let e = self.or()?;
            self.expect(")")?;
            return Ok(e);
        }
        let a = self.math()?;
        if let Some(Tok::Op(o)) = self.peek().cloned()
            && let Some(op) = COMPARE.iter().find(|c| **c == o)
        {
            self.at += 1;
            let b = self.math()?;
            return Ok(Expr::Cmp(a, op, b));
        }
        match a {
            Term::Lit(Val::Bool(_)) | Term::IsMatch(..) => Ok(Expr::Test(a)),
            _ => Err("a condition is a comparison, true, false or IsMatch(...)".into()),
        }
    }

    fn math(&mut self) -> Result<Term, String> {
        let mut a = self.product()?;
        while let Some(Tok::Op(o @ ("+" | "-"))) = self.peek().cloned() {
            self.at += 1;
            let b = self.product()?;
            a = arith(a, if o == "+" { '+' } else { '-' }, b)?;
        }
        Ok(a)
    }

    fn product(&mut self) -> Result<Term, String> {
        let mut a = self.atom()?;
        while let Some(Tok::Op(o @ ("*" | "/"))) = self.peek().cloned() {
            self.at += 1;
            let b = self.atom()?;
            if o == "/" && !matches!(b, Term::Lit(Val::Int(n)) if n != 0) {
                return Err("divide only by a non-zero integer literal".into());
            }
            a = arith(a, if o == "*" { '*' } else { '/' }, b)?;
        }
        Ok(a)
    }

    fn atom(&mut self) -> Result<Term, String> {
        let t = self.peek().cloned().ok_or("the condition ends too early")?;
        self.at += 1;
        match t {
            Tok::Str(s) => Ok(Term::Lit(Val::Str(s))),
            Tok::Num(n) => number(&n),
            Tok::Op("-") => match self.atom()? {
                Term::Lit(Val::Int(i)) => Ok(Term::Lit(Val::Int(-i))),
                Term::Lit(Val::Float(f)) => Ok(Term::Lit(Val::Float(-f))),
                _ => Err("`-` goes before a number".into()),
            },
            Tok::Op(o) => Err(format!("unexpected `{o}`")),
            Tok::Ident(w) => self.ident(&w),
        }
    }

    fn key(&mut self) -> Result<String, String> {
        self.expect("[")?;
        let k = match self.peek().cloned() {
            Some(Tok::Str(s)) => s,
            _ => return Err("an attribute key is a string: attributes[\"key\"]".into()),
        };
        self.at += 1;
        self.expect("]")?;
        Ok(k)
    }

    fn ident(&mut self, w: &str) -> Result<Term, String> {
        let lit = |v| Ok(Term::Lit(v));
        match w {
            "true" => return lit(Val::Bool(true)),
            "false" => return lit(Val::Bool(false)),
            "nil" => return lit(Val::Nil),
            _ => {}
        }
        if let Some(n) = enum_value(w) {
            return lit(Val::Int(n));
        }
        if self.op("(") {
            if w != "IsMatch" {
                return Err(format!(
                    "unsupported OTTL function `{w}`; the lab supports IsMatch"
                ));
            }
            self.at += 1;
            let target = self.math()?;
            self.expect(",")?;
            let pattern = match self.peek().cloned() {
                Some(Tok::Str(s)) => s,
                _ => return Err("IsMatch takes a string pattern".into()),
            };
            self.at += 1;
            self.expect(")")?;
            let re = Regex::new(&pattern).map_err(|_| format!("`{pattern}` is not a regex"))?;
            return Ok(Term::IsMatch(Box::new(target), re));
        }
        let (on_span, path) = match w.strip_prefix("span.") {
            Some(p) => (true, p),
            None => (!self.event, w),
        };
        Ok(match (on_span, path) {
            (_, "resource.attributes") => Term::ResAttr(self.key()?),
            (true, "attributes") => Term::Attr(self.key()?),
            (false, "attributes") => Term::EventAttr(self.key()?),
            (true, "name") => Term::Field(Field::Name),
            (false, "name") => Term::Field(Field::EventName),
            (false, "time_unix_nano") => Term::Field(Field::EventTime),
            (true, "kind") => Term::Field(Field::Kind),
            (true, "status.code") => Term::Field(Field::Status),
            (true, "start_time_unix_nano") => Term::Field(Field::Start),
            (true, "end_time_unix_nano") => Term::Field(Field::End),
            _ => return Err(format!("unsupported OTTL path `{w}`")),
        })
    }
}

fn number(n: &str) -> Result<Term, String> {
    let n = n.replace('_', "");
    if let Ok(i) = n.parse::<i64>() {
        return Ok(Term::Lit(Val::Int(i)));
    }
    n.parse::<f64>()
        .map(|f| Term::Lit(Val::Float(f)))
        .map_err(|_| format!("`{n}` is not a number"))
}

fn arith(a: Term, op: char, b: Term) -> Result<Term, String> {
    let ok = |t: &Term| {
        matches!(
            t,
            Term::Lit(Val::Int(_))
                | Term::Field(Field::Start | Field::End | Field::EventTime)
                | Term::Arith(..)
        )
    };
    if !(ok(&a) && ok(&b)) {
        return Err("arithmetic works on the time paths and integer literals only".into());
    }
    Ok(Term::Arith(Box::new(a), op, Box::new(b)))
}

fn enum_value(w: &str) -> Option<i64> {
    Some(match w {
        "SPAN_KIND_UNSPECIFIED" => 0,
        "SPAN_KIND_INTERNAL" => 1,
        "SPAN_KIND_SERVER" => 2,
        "SPAN_KIND_CLIENT" => 3,
        "SPAN_KIND_PRODUCER" => 4,
        "SPAN_KIND_CONSUMER" => 5,
        "STATUS_CODE_UNSET" => 0,
        "STATUS_CODE_OK" => 1,
        "STATUS_CODE_ERROR" => 2,
        _ => return None,
    })
}
