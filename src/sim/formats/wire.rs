//! The serde definitions of the three wire formats, shared by import and
//! export, and the lenient primitives they are built from.
//!
//! Each definition reads what its reference reader reads:
//! - [`otlp`]: the proto3 JSON mapping (<https://protobuf.dev/programming-guides/json/>)
//!   with the OTLP exceptions (hex ids, <https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding>):
//!   missing or `null` fields are their defaults, unknown fields are ignored,
//!   64-bit integers are numbers or strings, enums names or numbers, and the
//!   proto field names (`resource_spans`) are accepted beside the JSON names.
//! - [`jaeger`]: the Jaeger UI's JSON (`{"data": [...]}` from `/api/traces`).
//! - [`zipkin`]: the Zipkin v2 JSON span list (`zipkin2.Span`, `zipkin-api` v2).
//!
//! Ids are kept as text here and validated (with the path of the field) when
//! the file is converted to a trace, so that a bad id can be reported exactly.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

pub mod jaeger;
pub mod otlp;
pub mod zipkin;

/// `null` or missing reads as the type's default (proto3 JSON, and the
/// `null` lists Jaeger writes).
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An unsigned 64-bit integer written as a JSON number or a decimal string
/// (proto3 JSON writes 64-bit integers as strings; both are accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct U64(pub u64);

struct U64Visitor;

impl Visitor<'_> for U64Visitor {
    type Value = U64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an unsigned integer (number or decimal string)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<U64, E> {
        Ok(U64(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<U64, E> {
        u64::try_from(v)
            .map(U64)
            .map_err(|_| E::custom(format!("{v} is negative")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<U64, E> {
        if v.fract() == 0.0 && (0.0..1.8e19).contains(&v) {
            Ok(U64(v as u64))
        } else {
            Err(E::custom(format!("{v} is not an unsigned integer")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<U64, E> {
        v.trim()
            .parse::<u64>()
            .map(U64)
            .map_err(|_| E::custom(format!("{v:?} is not an unsigned integer")))
    }
}

impl<'de> Deserialize<'de> for U64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<U64, D::Error> {
        d.deserialize_any(U64Visitor)
    }
}

/// Written as a JSON number (Jaeger, Zipkin).
impl Serialize for U64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// A [`U64`] written as a decimal string (proto3 JSON `fixed64`/`uint64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct U64Str(pub u64);

impl<'de> Deserialize<'de> for U64Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<U64Str, D::Error> {
        Ok(U64Str(d.deserialize_any(U64Visitor)?.0))
    }
}

impl Serialize for U64Str {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A signed 64-bit integer, number or decimal string; written as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct I64Str(pub i64);

struct I64Visitor;

impl Visitor<'_> for I64Visitor {
    type Value = I64Str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer (number or decimal string)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<I64Str, E> {
        Ok(I64Str(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<I64Str, E> {
        i64::try_from(v)
            .map(I64Str)
            .map_err(|_| E::custom(format!("{v} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<I64Str, E> {
        if v.fract() == 0.0 && (-9.2e18..9.2e18).contains(&v) {
            Ok(I64Str(v as i64))
        } else {
            Err(E::custom(format!("{v} is not an integer")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<I64Str, E> {
        v.trim()
            .parse::<i64>()
            .map(I64Str)
            .map_err(|_| E::custom(format!("{v:?} is not an integer")))
    }
}

impl<'de> Deserialize<'de> for I64Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<I64Str, D::Error> {
        d.deserialize_any(I64Visitor)
    }
}

impl Serialize for I64Str {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A double: a JSON number, or `"NaN"`, `"Infinity"`, `"-Infinity"` or a
/// decimal string (the proto3 JSON mapping); written the same way.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct F64(pub f64);

struct F64Visitor;

impl Visitor<'_> for F64Visitor {
    type Value = F64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, \"NaN\", \"Infinity\" or \"-Infinity\"")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<F64, E> {
        Ok(F64(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<F64, E> {
        Ok(F64(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<F64, E> {
        Ok(F64(v as f64))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<F64, E> {
        match v {
            "NaN" => Ok(F64(f64::NAN)),
            "Infinity" => Ok(F64(f64::INFINITY)),
            "-Infinity" => Ok(F64(f64::NEG_INFINITY)),
            _ => v
                .trim()
                .parse::<f64>()
                .map(F64)
                .map_err(|_| E::custom(format!("{v:?} is not a number"))),
        }
    }
}

impl<'de> Deserialize<'de> for F64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<F64, D::Error> {
        d.deserialize_any(F64Visitor)
    }
}

impl Serialize for F64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_nan() {
            s.serialize_str("NaN")
        } else if x.is_infinite() {
            s.serialize_str(if x > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            s.serialize_f64(x)
        }
    }
}

/// A proto3 enum: its name or its number. Written as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enum {
    /// The number.
    Num(i64),
    /// The name (e.g. `SPAN_KIND_SERVER`).
    Name(String),
}

impl Default for Enum {
    fn default() -> Enum {
        Enum::Num(0)
    }
}

struct EnumVisitor;

impl Visitor<'_> for EnumVisitor {
    type Value = Enum;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an enum name or number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Enum, E> {
        Ok(Enum::Num(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Enum, E> {
        Ok(Enum::Num(i64::try_from(v).unwrap_or(i64::MAX)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Enum, E> {
        Ok(Enum::Name(v.to_string()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Enum, E> {
        Ok(Enum::Name(v.to_string()))
    }
}

impl<'de> Deserialize<'de> for Enum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Enum, D::Error> {
        d.deserialize_any(EnumVisitor)
    }
}

impl Serialize for Enum {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Enum::Num(n) => s.serialize_i64(*n),
            Enum::Name(n) => s.serialize_str(n),
        }
    }
}

/// A JSON object kept in file order (Jaeger `processes`, Zipkin `tags`):
/// written back in the same order, so exports are byte-stable.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Ordered<V> {
        Ordered(Vec::new())
    }
}

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct OrderedVisitor<V>(PhantomData<V>);

impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
    type Value = Ordered<V>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Ordered<V>, A::Error> {
        let mut out = Vec::with_capacity(a.size_hint().unwrap_or(0).min(1024));
        while let Some((k, v)) = a.next_entry::<String, V>()? {
            out.push((k, v));
        }
        Ok(Ordered(out))
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ordered<V>, D::Error> {
        d.deserialize_map(OrderedVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_numbers() {
        let v: Vec<U64> = serde_json::from_str(r#"[1, "2", 3.0]"#).expect("numbers");
        assert_eq!(v, vec![U64(1), U64(2), U64(3)]);
        assert!(serde_json::from_str::<U64>("-1").is_err());
        assert!(serde_json::from_str::<U64>("\"x\"").is_err());
        let v: Vec<I64Str> = serde_json::from_str(r#"[-1, "-2"]"#).expect("ints");
        assert_eq!(serde_json::to_string(&v).expect("json"), r#"["-1","-2"]"#);
        let v: Vec<F64> = serde_json::from_str(r#"[1.5, "NaN", "-Infinity", "2"]"#).expect("f");
        assert_eq!(
            serde_json::to_string(&v).expect("json"),
            r#"[1.5,"NaN","-Infinity",2.0]"#
        );
        let e: Vec<Enum> = serde_json::from_str(r#"[2, "SPAN_KIND_SERVER"]"#).expect("enums");
        assert_eq!(e[1], Enum::Name("SPAN_KIND_SERVER".into()));
        let o: Ordered<u8> = serde_json::from_str(r#"{"b":1,"a":2}"#).expect("map");
        assert_eq!(serde_json::to_string(&o).expect("json"), r#"{"b":1,"a":2}"#);
    }
}
