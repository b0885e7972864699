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

/// A 32-bit unsigned field (`fixed32` span flags, Jaeger flags): a JSON
/// number (an integral float such as `1e2` too) or, as the proto3 JSON
/// mapping allows for every integer type, a decimal string. Anything else, or a value past 2^32 − 1, is kept as
/// `Err` with its JSON text, so that the reader degrades that one field with
/// a warning instead of refusing the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct U32(pub Result<u32, String>);

impl<'de> Deserialize<'de> for U32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<U32, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let read = match &v {
            // Proto3 JSON also accepts an integral float (`1.0`, `1e2`).
            serde_json::Value::Number(n) => n
                .as_u64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
                        .map(|f| f as u64)
                })
                .and_then(|n| u32::try_from(n).ok()),
            serde_json::Value::String(t) => t.trim().parse::<u32>().ok(),
            _ => None,
        };
        Ok(U32(read.ok_or_else(|| v.to_string())))
    }
}

/// Written as a JSON number; an unread value as `null`.
impl Serialize for U32 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Ok(v) => s.serialize_u32(v),
            Err(_) => s.serialize_none(),
        }
    }
}

/// A string-valued field (Zipkin tags) read as Zipkin's own reader reads
/// it: a string as it is, and any other JSON value as its JSON text, with
/// `was` naming that value's type (`"number"`, `"boolean"`, …) so that the
/// reader can say so. Written as a string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// The value as text.
    pub text: String,
    /// The JSON type it had when it was not a string.
    pub was: Option<&'static str>,
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text { text, was: None }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        use serde_json::Value;
        Ok(match Value::deserialize(d)? {
            Value::String(text) => Text { text, was: None },
            Value::Null => Text {
                text: String::new(),
                was: Some("null"),
            },
            v => Text {
                text: v.to_string(),
                was: Some(match v {
                    Value::Bool(_) => "boolean",
                    Value::Number(_) => "number",
                    Value::Array(_) => "list",
                    _ => "object",
                }),
            },
        })
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
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
    fn thirty_two_bit_fields_read_numbers_and_strings_and_keep_the_rest() {
        let v: Vec<U32> =
            serde_json::from_str(r#"[1, "257", 4294967296, "x", -1, true, 1.5]"#).expect("u32");
        let got: Vec<Result<u32, String>> = v.into_iter().map(|x| x.0).collect();
        assert_eq!(
            got,
            vec![
                Ok(1),
                Ok(257),
                Err("4294967296".into()),
                Err("\"x\"".into()),
                Err("-1".into()),
                Err("true".into()),
                Err("1.5".into()),
            ]
        );
    }

    #[test]
    fn text_reads_any_value_and_says_which_were_not_strings() {
        let v: Vec<Text> = serde_json::from_str(r#"["a", 42, true, null, [1]]"#).expect("text");
        let got: Vec<(&str, Option<&str>)> = v.iter().map(|t| (t.text.as_str(), t.was)).collect();
        assert_eq!(
            got,
            vec![
                ("a", None),
                ("42", Some("number")),
                ("true", Some("boolean")),
                ("", Some("null")),
                ("[1]", Some("list")),
            ]
        );
        assert_eq!(serde_json::to_string(&v[1]).expect("json"), r#""42""#);
    }

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
