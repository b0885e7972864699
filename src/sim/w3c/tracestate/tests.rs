use crate::sim::w3c::tracestate::*;

fn members(n: usize) -> String {
    (0..n)
        .map(|i| format!("k{i}=v{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn simple_lists() {
    let ts = parse_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE").expect("valid");
    assert_eq!(ts.entries.len(), 2);
    assert_eq!(ts.get("congo"), Some("t61rcWkgMzE"));
    assert_eq!(
        format_tracestate(&ts),
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    );
}

#[test]
fn ows_and_empty_members() {
    let ts = parse_tracestate(" rojo=1 ,\t, congo=2,,  ").expect("valid");
    assert_eq!(
        ts.entries,
        vec![("rojo".into(), "1".into()), ("congo".into(), "2".into())]
    );
    assert_eq!(parse_tracestate(""), Ok(TraceState::default()));
    assert_eq!(parse_tracestate(" , ,"), Ok(TraceState::default()));
    // Leading spaces inside a value are part of it.
    assert_eq!(
        parse_tracestate("a= x").expect("valid").get("a"),
        Some(" x")
    );
}

#[test]
fn thirty_two_members_ok_thirty_three_not() {
    assert_eq!(
        parse_tracestate(&members(32)).map(|t| t.entries.len()),
        Ok(32)
    );
    assert_eq!(
        parse_tracestate(&members(33)),
        Err(TraceStateError::TooManyMembers { count: 33 })
    );
    // Empty members do not count.
    let with_empties = format!("{},,,", members(32));
    assert!(parse_tracestate(&with_empties).is_ok());
}

#[test]
fn simple_key_rules() {
    assert!(parse_tracestate("a_-*/9=v").is_ok());
    assert_eq!(
        parse_tracestate("Abc=v"),
        Err(TraceStateError::BadKeyStart {
            member: 1,
            part: "key",
            found: 'A'
        })
    );
    assert_eq!(
        parse_tracestate("1abc=v"),
        Err(TraceStateError::BadKeyStart {
            member: 1,
            part: "key",
            found: '1'
        })
    );
    assert_eq!(
        parse_tracestate("aBc=v"),
        Err(TraceStateError::BadKeyChar {
            member: 1,
            found: 'B'
        })
    );
    assert_eq!(
        parse_tracestate("a.b=v"),
        Err(TraceStateError::BadKeyChar {
            member: 1,
            found: '.'
        })
    );
    assert_eq!(
        parse_tracestate("a =v"),
        Err(TraceStateError::BadKeyChar {
            member: 1,
            found: ' '
        })
    );
    assert_eq!(
        parse_tracestate("=v"),
        Err(TraceStateError::EmptyKey { member: 1 })
    );
    let k256 = format!("a{}", "b".repeat(255));
    assert!(parse_tracestate(&format!("{k256}=v")).is_ok());
    let k257 = format!("a{}", "b".repeat(256));
    assert!(matches!(
        parse_tracestate(&format!("{k257}=v")),
        Err(TraceStateError::KeyTooLong {
            len: 257,
            max: 256,
            ..
        })
    ));
}

#[test]
fn multi_tenant_key_rules() {
    assert!(parse_tracestate("1tenant@sys=v").is_ok());
    assert!(parse_tracestate("t@s-1_/*=v").is_ok());
    let tenant241 = format!("t{}", "x".repeat(240));
    assert!(parse_tracestate(&format!("{tenant241}@sys=v")).is_ok());
    let tenant242 = format!("t{}", "x".repeat(241));
    assert!(matches!(
        parse_tracestate(&format!("{tenant242}@sys=v")),
        Err(TraceStateError::KeyTooLong {
            part: "tenant-id",
            ..
        })
    ));
    assert!(parse_tracestate("t@abcdefghijklmn=v").is_ok()); // 14
    assert!(matches!(
        parse_tracestate("t@abcdefghijklmno=v"),
        Err(TraceStateError::KeyTooLong {
            part: "system-id",
            len: 15,
            ..
        })
    ));
    assert!(matches!(
        parse_tracestate("t@1sys=v"),
        Err(TraceStateError::BadKeyStart {
            part: "system-id",
            ..
        })
    ));
    assert!(matches!(
        parse_tracestate("_t@sys=v"),
        Err(TraceStateError::BadKeyStart {
            part: "tenant-id",
            ..
        })
    ));
    assert!(matches!(
        parse_tracestate("t@s@x=v"),
        Err(TraceStateError::BadKeyChar { found: '@', .. })
    ));
    assert_eq!(
        parse_tracestate("t@=v"),
        Err(TraceStateError::EmptyKey { member: 1 })
    );
}

#[test]
fn value_rules() {
    assert!(parse_tracestate("a=!\"#$%&'()*+-./:;<>?@[]^_`{|}~ x").is_ok());
    assert_eq!(
        parse_tracestate("a="),
        Err(TraceStateError::EmptyValue { member: 1 })
    );
    assert_eq!(
        parse_tracestate("a=b=c"),
        Err(TraceStateError::BadValueChar {
            member: 1,
            found: '='
        })
    );
    assert_eq!(
        parse_tracestate("a=b\u{7f}"),
        Err(TraceStateError::BadValueChar {
            member: 1,
            found: '\u{7f}'
        })
    );
    assert_eq!(
        parse_tracestate("a=caf\u{e9}"),
        Err(TraceStateError::BadValueChar {
            member: 1,
            found: '\u{e9}'
        })
    );
    assert_eq!(
        parse_tracestate("a=x\ty"),
        Err(TraceStateError::BadValueChar {
            member: 1,
            found: '\t'
        })
    );
    let v256 = "v".repeat(256);
    assert!(parse_tracestate(&format!("a={v256}")).is_ok());
    let v257 = "v".repeat(257);
    assert_eq!(
        parse_tracestate(&format!("a={v257}")),
        Err(TraceStateError::ValueTooLong {
            member: 1,
            len: 257
        })
    );
    assert_eq!(
        parse_tracestate("ok=1,bad"),
        Err(TraceStateError::MissingEquals { member: 2 })
    );
}

#[test]
fn duplicates_are_invalid() {
    assert_eq!(
        parse_tracestate("a=1,b=2,a=3"),
        Err(TraceStateError::DuplicateKey { key: "a".into() })
    );
}

#[test]
fn insert_moves_to_front() {
    let mut ts = parse_tracestate("rojo=1,congo=2").expect("valid");
    ts.insert("congo", "3").expect("insert");
    assert_eq!(ts.to_string(), "congo=3,rojo=1");
    assert_eq!(
        ts.insert("x", "trailing "),
        Err(TraceStateError::ValueTrailingSpace { member: 1 })
    );
    assert!(ts.insert("Bad", "v").is_err());
    let mut full = parse_tracestate(&members(32)).expect("valid");
    assert!(matches!(
        full.insert("new", "v"),
        Err(TraceStateError::TooManyMembers { count: 33 })
    ));
    assert!(full.insert("k3", "updated").is_ok());
}

#[test]
fn messages() {
    assert_eq!(
        TraceStateError::TooManyMembers { count: 33 }.to_string(),
        "33 list members; at most 32 are allowed"
    );
}
