//! Trace and span ids as each format writes them.

use crate::sim::formats::import::{ImportError, err};

/// Parses up to `2 * N` hex digits (either case), left-padding shorter text
/// with zeros, as Jaeger's `model.TraceIDFromString` / `SpanIDFromString`
/// and Zipkin's id normalisation do. Errors: empty, too long, not hex.
pub(crate) fn padded_hex<const N: usize>(s: &str) -> Result<[u8; N], String> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err("missing (an empty id)".into());
    }
    if b.len() > 2 * N {
        return Err(format!(
            "expected at most {} hex characters, got {}",
            2 * N,
            b.len()
        ));
    }
    let mut out = [0u8; N];
    let pad = 2 * N - b.len();
    for (i, &c) in b.iter().enumerate() {
        let d = (c as char)
            .to_digit(16)
            .ok_or_else(|| format!("{s:?} is not hex"))? as u8;
        let pos = pad + i;
        out[pos / 2] |= if pos.is_multiple_of(2) { d << 4 } else { d };
    }
    Ok(out)
}

fn nonzero<const N: usize>(
    v: [u8; N],
    path: impl FnOnce() -> String,
) -> Result<[u8; N], ImportError> {
    if v == [0u8; N] {
        return Err(err(path(), "all zeros is not a valid id"));
    }
    Ok(v)
}

/// An OTLP id: exactly `2 * N` hex digits, either case, not all zero.
pub(crate) fn otlp_id<const N: usize>(
    s: &str,
    path: impl FnOnce() -> String,
) -> Result<[u8; N], ImportError> {
    if s.len() != 2 * N {
        let got = if s.is_empty() {
            "it is missing".to_string()
        } else {
            format!("got {}", s.len())
        };
        return Err(err(
            path(),
            format!("expected {} hex characters, {got}", 2 * N),
        ));
    }
    match padded_hex::<N>(s) {
        Ok(v) => nonzero(v, path),
        Err(m) => Err(err(path(), m)),
    }
}

/// A Jaeger or Zipkin trace id: 1 to 32 hex digits, left-padded.
pub(crate) fn jaeger_trace_id(
    s: &str,
    path: impl FnOnce() -> String,
) -> Result<[u8; 16], ImportError> {
    match padded_hex::<16>(s) {
        Ok(v) => nonzero(v, path),
        Err(m) => Err(err(path(), m)),
    }
}

/// A Jaeger or Zipkin span id: 1 to 16 hex digits, left-padded.
pub(crate) fn jaeger_span_id(
    s: &str,
    path: impl FnOnce() -> String,
) -> Result<[u8; 8], ImportError> {
    match padded_hex::<8>(s) {
        Ok(v) => nonzero(v, path),
        Err(m) => Err(err(path(), m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_are_left_padded() {
        assert_eq!(
            padded_hex::<8>("3b513841595ca8"),
            Ok([0, 0x3b, 0x51, 0x38, 0x41, 0x59, 0x5c, 0xa8])
        );
        assert_eq!(padded_hex::<8>("abc"), Ok([0, 0, 0, 0, 0, 0, 0x0a, 0xbc]));
        assert_eq!(padded_hex::<8>("ABC"), padded_hex::<8>("abc"));
        assert!(padded_hex::<8>("").is_err());
        assert!(padded_hex::<8>("00000000000000000").is_err());
        assert!(padded_hex::<8>("xyz").is_err());
        let t = jaeger_trace_id("b96aa5af85802", || "t".into()).expect("valid");
        assert_eq!(
            crate::sim::trace::hex(&t),
            format!("{:0>32}", "b96aa5af85802")
        );
        assert!(jaeger_span_id("0", || "s".into()).is_err());
        assert!(otlp_id::<8>("EEE19B7EC3C1B174", || "s".into()).is_ok());
        assert!(otlp_id::<8>("eee19b7ec3c1b17", || "s".into()).is_err());
    }
}
