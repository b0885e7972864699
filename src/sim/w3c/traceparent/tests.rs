use crate::sim::w3c::traceparent::*;

const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[test]
fn valid_version_00() {
    let tp = parse_traceparent(VALID).expect("valid");
    assert_eq!(tp.version, 0);
    assert_eq!(hex(&tp.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(hex(&tp.parent_id), "00f067aa0ba902b7");
    assert_eq!(tp.flags, 1);
    assert!(tp.sampled());
    assert!(!tp.random());
    assert_eq!(tp.extra, None);
    assert_eq!(format_traceparent(&tp), VALID);
    assert_eq!(tp.to_string(), VALID);
}

#[test]
fn not_sampled_and_random_flags() {
    let tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
        .expect("valid");
    assert!(!tp.sampled());
    let tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03")
        .expect("valid");
    assert!(tp.sampled() && tp.random());
    let tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09")
        .expect("valid");
    assert!(
        tp.sampled(),
        "flags are a bit field: 0x09 has the sampled bit"
    );
}

#[test]
fn optional_whitespace_is_trimmed() {
    for v in [
        format!("  {VALID}"),
        format!("{VALID}\t"),
        format!(" \t{VALID} \t "),
    ] {
        assert_eq!(parse_traceparent(&v).map(|t| t.flags), Ok(1), "{v:?}");
    }
    assert_eq!(parse_traceparent("  \t "), Err(TraceParentError::Empty));
    assert_eq!(parse_traceparent(""), Err(TraceParentError::Empty));
}

#[test]
fn uppercase_is_rejected() {
    let up = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
    assert_eq!(
        parse_traceparent(up),
        Err(TraceParentError::UppercaseHex {
            field: "trace-id",
            index: 4
        })
    );
    let up = "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067aa0ba902b7-01";
    assert_eq!(
        parse_traceparent(up),
        Err(TraceParentError::UppercaseHex {
            field: "parent-id",
            index: 38
        })
    );
    let up = "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert_eq!(
        parse_traceparent(up),
        Err(TraceParentError::UppercaseHex {
            field: "version",
            index: 1
        })
    );
    let up = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A";
    assert_eq!(
        parse_traceparent(up),
        Err(TraceParentError::UppercaseHex {
            field: "trace-flags",
            index: 54
        })
    );
}

#[test]
fn non_hex_is_rejected() {
    let v = "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01";
    assert_eq!(
        parse_traceparent(v),
        Err(TraceParentError::NotHex {
            field: "trace-id",
            index: 34,
            found: 'g'
        })
    );
    let v = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x";
    assert!(matches!(
        parse_traceparent(v),
        Err(TraceParentError::NotHex {
            field: "trace-flags",
            ..
        })
    ));
    let v = "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert!(matches!(
        parse_traceparent(v),
        Err(TraceParentError::NotHex {
            field: "version",
            index: 0,
            ..
        })
    ));
    // Multi-byte characters do not panic.
    let v = "00-4bf92f3577b34da6a3ce929d0e0e47é-00f067aa0ba902b7-01";
    assert!(parse_traceparent(v).is_err());
}

#[test]
fn all_zero_ids_are_invalid() {
    let v = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
    assert_eq!(parse_traceparent(v), Err(TraceParentError::ZeroTraceId));
    let v = "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01";
    assert_eq!(parse_traceparent(v), Err(TraceParentError::ZeroParentId));
}

#[test]
fn wrong_lengths() {
    // One hex digit short in the trace id: the dash lands in the wrong place.
    let v = "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01";
    assert_eq!(
        parse_traceparent(v),
        Err(TraceParentError::TooShort { len: 54 })
    );
    let v = "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01";
    assert!(matches!(
        parse_traceparent(v),
        Err(TraceParentError::MissingDash {
            after: "trace-id",
            index: 35,
            found: '6'
        })
    ));
    let v = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b77-01";
    assert!(matches!(
        parse_traceparent(v),
        Err(TraceParentError::MissingDash {
            after: "parent-id",
            ..
        })
    ));
    assert_eq!(
        parse_traceparent("00-"),
        Err(TraceParentError::TooShort { len: 3 })
    );
    assert_eq!(
        parse_traceparent("0"),
        Err(TraceParentError::TooShort { len: 1 })
    );
    assert!(matches!(
        parse_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        Err(TraceParentError::MissingDash {
            after: "version",
            index: 2,
            found: '_'
        })
    ));
}

#[test]
fn version_ff_is_forbidden() {
    let v = "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert_eq!(
        parse_traceparent(v),
        Err(TraceParentError::VersionForbidden)
    );
}

#[test]
fn version_00_with_extra_data_is_invalid() {
    let v = format!("{VALID}-what");
    assert_eq!(
        parse_traceparent(&v),
        Err(TraceParentError::Version00ExtraData { len: 60 })
    );
    let v = format!("{VALID}x");
    assert_eq!(
        parse_traceparent(&v),
        Err(TraceParentError::Version00ExtraData { len: 56 })
    );
}

#[test]
fn higher_versions() {
    // Exactly the four fields.
    let v = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let tp = parse_traceparent(v).expect("higher version");
    assert_eq!(tp.version, 1);
    assert_eq!(tp.extra, None);
    // Extra fields after a dash are accepted and ignored.
    let v = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like";
    let tp = parse_traceparent(v).expect("higher version with extra");
    assert_eq!(tp.version, 0xcc);
    assert_eq!(tp.extra.as_deref(), Some("what-the-future-will-be-like"));
    // Forwarded as version 00.
    assert_eq!(format_traceparent(&tp), VALID);
    // The character after the flags must be a dash.
    let v = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what";
    assert!(matches!(
        parse_traceparent(v),
        Err(TraceParentError::MissingDash {
            after: "trace-flags",
            index: 55,
            found: '.'
        })
    ));
    // Still at least 55 characters and valid ids.
    assert!(matches!(
        parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"),
        Err(TraceParentError::TooShort { .. })
    ));
    assert_eq!(
        parse_traceparent("cc-00000000000000000000000000000000-00f067aa0ba902b7-01-x"),
        Err(TraceParentError::ZeroTraceId)
    );
}

#[test]
fn explain_lists_fields() {
    let tp = parse_traceparent("02-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-07-x")
        .expect("valid");
    let e = explain(&tp);
    let names: Vec<&str> = e.iter().map(|(f, _, _)| *f).collect();
    assert_eq!(
        names,
        ["version", "trace-id", "parent-id", "trace-flags", "extra"]
    );
    assert_eq!(e[1].1, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert!(e[3].2.contains("sampled (0x01) is set"));
    assert!(e[3].2.contains("random (0x02, Level 2) is set"));
    assert!(e[3].2.contains("reserved"));
    assert!(e[0].2.contains("newer"));
}

#[test]
fn error_messages_are_readable() {
    let e =
        parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").unwrap_err();
    assert_eq!(
        e.to_string(),
        "trace-id: upper-case hex digit at position 5; only lower-case hex is allowed"
    );
    assert_eq!(
        TraceParentError::TooShort { len: 3 }.to_string(),
        "too short: 3 characters, a traceparent has at least 55"
    );
}
