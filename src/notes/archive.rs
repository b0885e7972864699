//! The export format: one Markdown file per note with TOML front matter
//! (`+++` lines), all notes in one zip; and reading such files back with
//! limits on size and count, refusing unsafe paths.

use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};
use toml::value::Datetime;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::content::{frontmatter, markdown::slugify};
use crate::notes::dates::{datetime, unix};
use crate::notes::zip_index::{self, is_junk, is_safe_path};
use crate::notes::{MAX_BODY_BYTES, is_uid, new_uid, normalize_body, normalize_title, parse_tags};

/// Most files one import may hold.
pub const MAX_IMPORT_FILES: usize = 2_000;
/// Most bytes one import may unpack to (64 MiB).
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Largest single file in an import: a full body plus room for front matter.
const MAX_FILE_BYTES: u64 = MAX_BODY_BYTES as u64 + 16 * 1024;
/// Folder the notes go in inside an export.
const FOLDER: &str = "spandojo-notes";

/// A note as it travels in an export file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFile {
    pub uid: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub lesson: Option<String>,
    pub question: Option<String>,
    pub shared: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Front {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    title: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<Datetime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated: Option<Datetime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lesson: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    question: Option<String>,
    #[serde(default)]
    shared: bool,
}

/// The `.md` text of one note.
pub fn to_markdown(note: &NoteFile) -> anyhow::Result<String> {
    let front = Front {
        id: Some(note.uid.clone()),
        title: note.title.clone(),
        tags: note.tags.clone(),
        created: Some(datetime(note.created_at)),
        updated: Some(datetime(note.updated_at)),
        lesson: note.lesson.clone(),
        question: note.question.clone(),
        shared: note.shared,
    };
    Ok(format!(
        "+++\n{}+++\n{}",
        toml::to_string(&front)?,
        note.body
    ))
}

/// A file name for the note: its title as a slug, then its id.
pub fn file_name(note: &NoteFile) -> String {
    let slug: String = slugify(&note.title).chars().take(60).collect();
    format!("{}-{}.md", slug.trim_end_matches('-'), note.uid)
}

/// All notes as a zip of `.md` files.
pub fn zip_notes(notes: &[NoteFile]) -> anyhow::Result<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for note in notes {
        zip.start_file(format!("{FOLDER}/{}", file_name(note)), options)?;
        zip.write_all(to_markdown(note)?.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Parses one `.md` file; notes without an `id` get a new one, without
/// dates get `now`. The error is a sentence naming what is wrong.
pub fn parse_markdown(name: &str, text: &str, now: i64) -> Result<NoteFile, String> {
    let split = frontmatter::split(name, text).map_err(|e| e.to_string())?;
    let front: Front = frontmatter::parse(name, split.front).map_err(|e| e.to_string())?;
    let uid = match front.id {
        Some(id) if is_uid(&id) => id,
        Some(id) => return Err(format!("{name}: id \"{id}\" is not 16 hex digits")),
        None => new_uid(),
    };
    let bad = |msg: String| format!("{name}: {msg}");
    let created_at = front.created.map(unix).transpose().map_err(bad)?;
    let updated_at = front.updated.map(unix).transpose().map_err(bad)?;
    let created_at = created_at.unwrap_or(now);
    Ok(NoteFile {
        uid,
        title: normalize_title(&front.title).map_err(bad)?,
        body: normalize_body(split.body).map_err(bad)?,
        tags: parse_tags(&front.tags.join(",")).map_err(bad)?,
        lesson: front.lesson.filter(|s| !s.is_empty()),
        question: front.question.filter(|s| !s.is_empty()),
        shared: front.shared,
        created_at,
        updated_at: updated_at.unwrap_or(created_at),
    })
}

/// What an upload held: notes by file name, and problems by file name.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub notes: Vec<(String, NoteFile)>,
    pub problems: Vec<(String, String)>,
}

/// Reads an uploaded zip export, or a single `.md` file. The error is for
/// an upload that cannot be read at all; problems with single files are
/// listed in [`Unpacked::problems`].
pub fn read_upload(upload_name: &str, bytes: &[u8], now: i64) -> Result<Unpacked, String> {
    if !bytes.starts_with(b"PK") {
        if upload_name.to_ascii_lowercase().ends_with(".zip") {
            return Err(format!(
                "{upload_name} is not a zip archive (it may be damaged); export again and upload that file."
            ));
        }
        let mut out = Unpacked::default();
        if bytes.len() as u64 > MAX_FILE_BYTES {
            let msg = format!("larger than {} KiB; skipped", MAX_FILE_BYTES / 1024);
            out.problems.push((upload_name.to_string(), msg));
            return Ok(out);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => match parse_markdown(upload_name, text, now) {
                Ok(note) => out.notes.push((upload_name.to_string(), note)),
                Err(msg) => out.problems.push((upload_name.to_string(), msg)),
            },
            Err(_) => {
                return Err(
                    "That file is neither a zip export nor a Markdown (.md) text file.".into(),
                );
            }
        }
        return Ok(out);
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("That zip file cannot be read ({e})."))?;
    if archive.len() > MAX_IMPORT_FILES {
        return Err(format!(
            "That zip holds {} files; an import can hold at most {MAX_IMPORT_FILES}.",
            archive.len()
        ));
    }
    let mut out = Unpacked::default();
    for (name, count) in zip_index::duplicate_names(bytes) {
        out.problems.push((
            name,
            format!("{count} entries have this name; only one of them was read"),
        ));
    }
    let mut unpacked: u64 = 0;
    for index in 0..archive.len() {
        let name = match archive.name_for_index(index) {
            Some(Ok(name)) => name.replace('\\', "/"),
            _ => format!("file #{}", index + 1),
        };
        if is_junk(&name) {
            out.problems
                .push((name, "metadata added by the archiver; skipped".into()));
            continue;
        }
        if !is_safe_path(&name) {
            out.problems
                .push((name, "unsafe path (absolute or with ..); skipped".into()));
            continue;
        }
        let mut file = match archive.by_index(index) {
            Ok(file) => file,
            Err(e) => {
                out.problems.push((name, format!("cannot be read ({e})")));
                continue;
            }
        };
        if file.is_dir() || name.ends_with('/') {
            out.problems
                .push((name, "a folder; its files are listed on their own".into()));
            continue;
        }
        if file.is_symlink() {
            out.problems
                .push((name, "a symbolic link, not a note; skipped".into()));
            continue;
        }
        if !name.to_ascii_lowercase().ends_with(".md") {
            out.problems
                .push((name, "not a Markdown (.md) file; skipped".into()));
            continue;
        }
        let mut data = Vec::new();
        if let Err(e) = (&mut file).take(MAX_FILE_BYTES + 1).read_to_end(&mut data) {
            out.problems
                .push((name, format!("cannot be unpacked ({e})")));
            continue;
        }
        unpacked += data.len() as u64;
        if data.len() as u64 > MAX_FILE_BYTES {
            out.problems.push((
                name,
                format!("larger than {} KiB; skipped", MAX_FILE_BYTES / 1024),
            ));
        } else {
            match String::from_utf8(data) {
                Ok(text) => match parse_markdown(&name, &text, now) {
                    Ok(note) => out.notes.push((name, note)),
                    Err(msg) => out.problems.push((name, msg)),
                },
                Err(_) => out.problems.push((name, "not UTF-8 text".into())),
            }
        }
        if unpacked > MAX_UNPACKED_BYTES {
            out.problems.push((
                "(the rest)".into(),
                format!(
                    "the zip unpacks to more than {} MiB; the remaining files were not read",
                    MAX_UNPACKED_BYTES / 1024 / 1024
                ),
            ));
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NoteFile {
        NoteFile {
            uid: "0123456789abcdef".into(),
            title: "Tail \"sampling\" = 'fun'\\".into(),
            body: "\n## Key learnings\n\n+++\nnot front matter\n  trailing  \n\n".into(),
            tags: vec!["sampling".into(), "otel".into()],
            lesson: Some("sampling".into()),
            question: None,
            shared: true,
            created_at: 1_700_000_000,
            updated_at: 1_700_086_461,
        }
    }

    #[test]
    fn markdown_round_trips() {
        let note = sample();
        let text = to_markdown(&note).unwrap();
        assert!(
            text.starts_with("+++\nid = \"0123456789abcdef\"\n"),
            "{text}"
        );
        assert!(text.contains("created = 2023-11-14T22:13:20Z"), "{text}");
        assert_eq!(parse_markdown("a.md", &text, 0).unwrap(), note);
    }

    #[test]
    fn zip_round_trips() {
        let mut other = sample();
        other.uid = "fedcba9876543210".into();
        other.lesson = None;
        other.question = Some("head-vs-tail".into());
        let bytes = zip_notes(&[sample(), other.clone()]).unwrap();
        let out = read_upload("x.zip", &bytes, 0).unwrap();
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let notes: Vec<NoteFile> = out.notes.into_iter().map(|(_, n)| n).collect();
        assert_eq!(notes, vec![sample(), other]);
    }

    #[test]
    fn bad_files_are_reported_by_name() {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default();
        let files: [(&str, &[u8]); 6] = [
            ("../evil.md", b"+++\ntitle = \"x\"\n+++\n"),
            ("notes/no-front.md", b"just text"),
            (
                "notes/bad-id.md",
                b"+++\nid = \"nope\"\ntitle = \"x\"\n+++\n",
            ),
            ("notes/image.png", b"\x89PNG"),
            ("notes/latin1.md", b"+++\ntitle = \"\xe9\"\n+++\n"),
            ("notes/ok.md", b"+++\ntitle = \"Fine\"\n+++\nbody"),
        ];
        for (name, data) in files {
            zip.start_file(name, opts).unwrap();
            zip.write_all(data).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        let out = read_upload("x.zip", &bytes, 5).unwrap();
        let names: Vec<&str> = out.problems.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "../evil.md",
                "notes/no-front.md",
                "notes/bad-id.md",
                "notes/image.png",
                "notes/latin1.md"
            ]
        );
        assert!(out.problems[0].1.contains("unsafe path"));
        assert_eq!(out.notes.len(), 1);
        assert_eq!(out.notes[0].1.title, "Fine");
        assert_eq!(out.notes[0].1.created_at, 5);
        assert!(is_uid(&out.notes[0].1.uid));
    }

    #[test]
    fn oversized_files_and_garbage_are_refused() {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        zip.start_file("big.md", opts).unwrap();
        zip.write_all(&vec![b'a'; MAX_FILE_BYTES as usize + 10])
            .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 10_000, "compresses well, unpacks large");
        let out = read_upload("x.zip", &bytes, 0).unwrap();
        assert!(
            out.problems[0].1.contains("larger than"),
            "{:?}",
            out.problems
        );
        assert!(read_upload("x.zip", b"PK\x03\x04garbage", 0).is_err());
        assert!(read_upload("x.bin", &[0xff, 0xfe, 0x00], 0).is_err());
        let single = read_upload("one.md", b"+++\ntitle = \"One\"\n+++\nhi", 0).unwrap();
        assert_eq!(single.notes[0].1.body, "hi");
    }

    #[test]
    fn backslash_separators_are_separators() {
        let bytes =
            include_bytes!("../../tests/fixtures/notes/export-rezipped-with-backslashes.zip");
        let out = read_upload("export.zip", bytes, 0).unwrap();
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let names: Vec<&str> = out.notes.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "spandojo-notes/kafka-consumers-0a1b2c3d4e5f6071.md",
                "spandojo-notes/tail-sampling-1a1b2c3d4e5f6072.md"
            ]
        );
        for bad in ["..\\evil.md", "C:\\x.md", "\\abs.md", "a\\..\\..\\b.md"] {
            assert!(!is_safe_path(&bad.replace('\\', "/")), "{bad}");
        }
    }

    #[test]
    fn every_entry_is_imported_or_listed() {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default();
        let ok = b"+++\ntitle = \"Fine\"\n+++\nbody";
        zip.add_directory("notes/", opts).unwrap();
        for name in ["notes/a.md", "__MACOSX/notes/._a.md", "notes/b.md"] {
            zip.start_file(name, opts).unwrap();
            zip.write_all(ok).unwrap();
        }
        let mut bytes = zip.finish().unwrap().into_inner();
        // Rename b.md to a.md in the central directory only: two entries
        // with one name, which the zip library folds into one.
        let central = bytes.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
        let at = central + 46 + "notes/".len();
        bytes[at] = b'a';
        let entries = zip_index::central_names(&bytes).unwrap().len();
        assert_eq!(entries, 4);
        let out = read_upload("x.zip", &bytes, 0).unwrap();
        let listed = out.notes.len() + out.problems.len();
        assert!(listed >= entries, "{:?} {:?}", out.notes, out.problems);
        let reasons: Vec<String> = out
            .problems
            .iter()
            .map(|(n, r)| format!("{n}: {r}"))
            .collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("notes/a.md: 2 entries")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.starts_with("__MACOSX/")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.starts_with("notes/: a folder")),
            "{reasons:?}"
        );
    }
}
