use crate::content::*;

fn lesson(slug_file: &str, body: &str) -> (String, String) {
    (
        format!("lessons/{slug_file}"),
        format!("+++\ntitle = \"T\"\nsummary = \"S\"\ntakeaways = [\"K\"]\n+++\n{body}\n"),
    )
}

#[test]
fn links_between_lessons_must_resolve() {
    let files = vec![
        lesson("01-a.md", "## A\nsee [b](/lessons/b)\n"),
        lesson("02-b.md", "## B\nsee [c](/lessons/c#x)\n"),
    ];
    let err = Content::from_files(files).unwrap_err();
    assert_eq!(
        err.to_string(),
        "lessons/02-b.md:7: link to unknown lesson \"c\" (/lessons/c#x)"
    );
}

#[test]
fn duplicate_orders_and_slugs_are_errors() {
    let files = vec![
        lesson("01-a.md", "x"),
        lesson("01-b.md", "y"),
        lesson("02-a.md", "z"),
    ];
    let err = Content::from_files(files).unwrap_err();
    assert_eq!(err.0.len(), 2, "{err}");
}

#[test]
fn neighbours_follow_order() {
    let files = vec![
        lesson("02-b.md", "x"),
        lesson("01-a.md", "y"),
        lesson("03-c.md", "z"),
    ];
    let c = Content::from_files(files).unwrap();
    let (prev, next) = c.neighbours("b");
    assert_eq!(prev.map(|l| l.slug.as_str()), Some("a"));
    assert_eq!(next.map(|l| l.slug.as_str()), Some("c"));
}

#[test]
fn simulator_links_are_checked() {
    let files = vec![lesson(
        "01-a.md",
        "## A\n[x](/sim/nowhere/1) [y](/sim/lab?preset=nope) [z](/sim/lab?preset=errors-only)\n",
    )];
    let err = Content::from_files(files).unwrap_err();
    assert_eq!(err.0.len(), 2, "{err}");
    assert!(err.0[0].message.contains("unknown scenario"), "{err}");
    assert!(err.0[1].message.contains("unknown lab preset"), "{err}");
}

#[test]
fn topology_errors_name_file_and_line() {
    let files = vec![(
        "topologies/bad.toml".to_string(),
        "name = \"bad\"\ntitle = 3\n".to_string(),
    )];
    let err = Content::from_files(files).unwrap_err();
    assert!(
        err.0[0].to_string().starts_with("topologies/bad.toml:"),
        "{err}"
    );
}

#[test]
fn embedded_content_is_valid() {
    let content = Content::load(None).unwrap_or_else(|e| panic!("{e}"));
    assert!(content.counts().lessons == content.lessons.len());
}
