use crate::content::questions::*;

fn choice_q(options: &str) -> String {
    format!(
        "+++\nid = \"what-is-a-span\"\nlevel = \"beginner\"\nkind = \"choice\"\ntitle = \"What is a span?\"\ntopics = [\"spans\"]\nlessons = [\"traces-and-spans\"]\n{options}+++\n## Answer\nA span is one timed operation.\n"
    )
}

const A: &str = "[[choice]]\ntext = \"One operation\"\ncorrect = true\nwhy = \"Yes.\"\n";
const B: &str = "[[choice]]\ntext = \"A whole request\"\nwhy = \"That is a trace.\"\n";

#[test]
fn parses_choice() {
    let q = parse(
        "questions/beginner/what-is-a-span.md",
        &choice_q(&format!("{A}{B}")),
    )
    .unwrap();
    assert_eq!(q.level, Level::Beginner);
    assert_eq!(q.choices.len(), 2);
    assert!(q.choices[0].correct && !q.choices[1].correct);
}

#[test]
fn titles_render_inline_code() {
    let text = choice_q(&format!("{A}{B}")).replace("What is a span?", "What is `span_id`?");
    let q = parse("questions/beginner/what-is-a-span.md", &text).unwrap();
    assert_eq!(q.title_html, "What is <code>span_id</code>?");
}

#[test]
fn choice_rules() {
    let p = "questions/beginner/what-is-a-span.md";
    let e = parse(p, &choice_q(&format!("{B}{B}"))).unwrap_err();
    assert!(e.message.contains("no option is marked"), "{e}");
    let dup = B.replace("why = \"That is a trace.\"", "correct = true\nwhy = \"x\"");
    let e = parse(p, &choice_q(&format!("{A}{dup}{B}"))).unwrap_err();
    assert!(e.message.contains("repeats"), "{e}");
    let e = parse(p, &choice_q(A)).unwrap_err();
    assert!(e.message.contains("2 to 8"), "{e}");
    assert_eq!(e.line, 8, "{e}");
}

#[test]
fn level_must_match_folder_and_id_the_file() {
    let text = choice_q(&format!("{A}{B}"));
    let e = parse("questions/senior/what-is-a-span.md", &text).unwrap_err();
    assert_eq!(e.line, 3);
    let e = parse("questions/beginner/other.md", &text).unwrap_err();
    assert_eq!(e.line, 2);
}

#[test]
fn unknown_level_names_the_line() {
    let text = choice_q(&format!("{A}{B}")).replace("\"beginner\"", "\"expert\"");
    let e = parse("questions/beginner/what-is-a-span.md", &text).unwrap_err();
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn open_needs_key_points() {
    let base = "+++\nid = \"mttr\"\nlevel = \"senior\"\nkind = \"open\"\ntitle = \"How does tracing cut MTTR?\"\ntopics = [\"rca\"]\nlessons = [\"why-tracing\"]\n+++\n## Answer\nBy localising faults.\n";
    let e = parse("questions/senior/mttr.md", base).unwrap_err();
    assert!(e.message.contains("Key points"), "{e}");
    let good = format!(
        "{base}\n## Key points\n- one\n- two\n  continued\n- three\n\n## Follow-ups\n- why?\n"
    );
    let q = parse("questions/senior/mttr.md", &good).unwrap();
    assert_eq!(q.key_points, vec!["one", "two continued", "three"]);
    assert_eq!(q.follow_ups, vec!["why?"]);
    let bad = format!("{base}\n## Notes\nx\n");
    let e = parse("questions/senior/mttr.md", &bad).unwrap_err();
    assert_eq!(e.line, 12, "{e}");
}
