//! The course runner, in the spirit of rustlings.
//!
//! ```text
//! cargo run -p course -- list        the chapters, with your progress
//! cargo run -p course -- check N     test your exercise for chapter N
//! cargo run -p course -- hint N      print chapter N's hints
//! cargo run -p course -- verify      (teachers, CI) prove every chapter
//! ```
//!
//! Chapters are found by scanning `chapters/NN-*` folders that hold a
//! `Cargo.toml`, so a new chapter is picked up without touching this file.
//! Progress is a plain text file, `chapters/.progress` (git-ignored), with the
//! package name of each chapter whose exercise passed, one per line.

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// One chapter crate: `chapters/03-httparse` is number 3, package `ch03-httparse`.
struct Chapter {
    number: u32,
    folder: String,
    package: String,
    dir: PathBuf,
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let chapters_dir = chapters_dir();
    let chapters = match discover(&chapters_dir) {
        Ok(chapters) => chapters,
        Err(err) => {
            eprintln!("course: cannot read {}: {err}", chapters_dir.display());
            return ExitCode::FAILURE;
        }
    };
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["list"] | [] => list(&chapters_dir, &chapters),
        ["check", n] => find(&chapters, n).and_then(|c| check(&chapters_dir, c)),
        ["hint", n] => find(&chapters, n).and_then(hint),
        ["verify"] => verify(&chapters),
        ["help"] | ["--help"] | ["-h"] => {
            usage();
            Ok(())
        }
        _ => {
            usage();
            Err("unknown command".to_string())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("course: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() {
    eprintln!(
        "usage: cargo run -p course -- <command>\n\n\
         \x20 list      the chapters, with your progress (the default)\n\
         \x20 check N   run chapter N's tests against your exercise\n\
         \x20 hint N    print chapter N's hints (HINT.md)\n\
         \x20 verify    for every chapter: the reference passes, the untouched exercise compiles and fails"
    );
}

/// The `chapters/` folder: this crate lives in `chapters/course`.
fn chapters_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the course crate lives inside chapters/")
        .to_path_buf()
}

/// Every `NN-slug` folder with a `Cargo.toml`, sorted by number.
fn discover(chapters_dir: &Path) -> std::io::Result<Vec<Chapter>> {
    let mut chapters = Vec::new();
    for entry in fs::read_dir(chapters_dir)? {
        let entry = entry?;
        let folder = entry.file_name().to_string_lossy().into_owned();
        let Some((digits, _slug)) = folder.split_once('-') else {
            continue;
        };
        if digits.len() != 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = fs::read_to_string(&manifest) else {
            continue;
        };
        let Some(package) = package_name(&text) else {
            continue;
        };
        chapters.push(Chapter {
            number: digits.parse().expect("two digits"),
            folder,
            package,
            dir: entry.path(),
        });
    }
    chapters.sort_by_key(|c| c.number);
    Ok(chapters)
}

/// The `name = "..."` of the `[package]` table; a line-based read is enough
/// for our own manifests and keeps the runner free of dependencies.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) = line.strip_prefix("name").map(str::trim_start) {
                if let Some(value) = value.strip_prefix('=') {
                    return Some(value.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    None
}

fn find<'a>(chapters: &'a [Chapter], n: &str) -> Result<&'a Chapter, String> {
    let number: u32 = n
        .parse()
        .map_err(|_| format!("`{n}` is not a chapter number (try `list`)"))?;
    chapters
        .iter()
        .find(|c| c.number == number)
        .ok_or_else(|| format!("there is no chapter {number} (try `list`)"))
}

fn progress_file(chapters_dir: &Path) -> PathBuf {
    chapters_dir.join(".progress")
}

fn load_progress(chapters_dir: &Path) -> BTreeSet<String> {
    fs::read_to_string(progress_file(chapters_dir))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn list(chapters_dir: &Path, chapters: &[Chapter]) -> Result<(), String> {
    let done = load_progress(chapters_dir);
    let mut next_shown = false;
    println!("WSGI from Scratch: the chapters\n");
    for chapter in chapters {
        let passed = done.contains(&chapter.package);
        let mark = if passed {
            "[done]"
        } else if !next_shown {
            next_shown = true;
            "[next]"
        } else {
            "[    ]"
        };
        println!("  {mark} {:>2}  {}", chapter.number, chapter.folder);
    }
    let passed = chapters
        .iter()
        .filter(|c| done.contains(&c.package))
        .count();
    println!("\n{passed} of {} exercises passed.", chapters.len());
    println!(
        "Work on one:  cargo run -p course -- check N   (hints: cargo run -p course -- hint N)"
    );
    Ok(())
}

/// A `cargo` command for one chapter with the environment every check needs:
/// insta must compare, never write, so nobody can "accept" their way to green.
fn cargo(args: &[&str]) -> Command {
    let program = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(program);
    command
        .args(args)
        .env("INSTA_UPDATE", "no")
        .env("CI", "true")
        // Short panic messages: a backtrace into insta teaches nothing.
        .env("RUST_BACKTRACE", "0");
    command
}

fn check(chapters_dir: &Path, chapter: &Chapter) -> Result<(), String> {
    println!(
        "Checking chapter {} ({}) in exercise mode...\n",
        chapter.number, chapter.folder
    );
    let status = cargo(&["test", "-p", &chapter.package, "--features", "exercise"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        println!(
            "\nNot yet: chapter {} does not pass. Read the failures above (a snapshot diff \
             shows the expected lines with `-` and yours with `+`).\n\
             Hints: cargo run -p course -- hint {}",
            chapter.number, chapter.number
        );
        return Err(format!("chapter {} is not done yet", chapter.number));
    }
    let mut done = load_progress(chapters_dir);
    done.insert(chapter.package.clone());
    let text: String = done.iter().map(|p| format!("{p}\n")).collect();
    fs::write(progress_file(chapters_dir), text)
        .map_err(|e| format!("cannot save progress: {e}"))?;
    println!(
        "\nChapter {} passes. Well done! Progress saved; see `cargo run -p course -- list`.",
        chapter.number
    );
    Ok(())
}

fn hint(chapter: &Chapter) -> Result<(), String> {
    let path = chapter.dir.join("HINT.md");
    let text = fs::read_to_string(&path)
        .map_err(|e| format!("no hints for chapter {}: {e}", chapter.number))?;
    println!("{text}");
    Ok(())
}

/// What one cargo run printed, and whether it succeeded.
struct Run {
    ok: bool,
    output: String,
}

fn run_quiet(args: &[&str]) -> Result<Run, String> {
    let output = cargo(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    // Cargo's own messages (compile errors) first, then the test output.
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    Ok(Run {
        ok: output.status.success(),
        output: text,
    })
}

/// The totals of every `test result:` line, e.g. `(passed, failed)`.
fn test_counts(output: &str) -> (usize, usize) {
    let mut totals = (0, 0);
    for line in output.lines().filter(|l| l.starts_with("test result:")) {
        for part in line.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            if let [.., n, what] = words.as_slice() {
                match (*what, n.parse::<usize>()) {
                    ("passed", Ok(n)) => totals.0 += n,
                    ("failed", Ok(n)) => totals.1 += n,
                    _ => {}
                }
            }
        }
    }
    totals
}

/// Prints the last lines of a cargo run so a failure can be understood from
/// CI's log alone.
fn show_tail(output: &str) {
    let lines: Vec<&str> = output.lines().collect();
    for line in &lines[lines.len().saturating_sub(40)..] {
        println!("    | {line}");
    }
}

/// Proves one chapter; `Err` says what is wrong.
fn verify_chapter(chapter: &Chapter) -> Result<String, String> {
    let pkg = chapter.package.as_str();
    let reference = run_quiet(&["test", "-p", pkg])?;
    let (passed, failed) = test_counts(&reference.output);
    if !reference.ok || passed == 0 || failed != 0 {
        show_tail(&reference.output);
        return Err(format!(
            "reference tests do not pass ({passed} passed, {failed} failed)"
        ));
    }
    let build = run_quiet(&["test", "-p", pkg, "--features", "exercise", "--no-run"])?;
    if !build.ok {
        show_tail(&build.output);
        return Err("the exercise starter does not compile".to_string());
    }
    let exercise = run_quiet(&["test", "-p", pkg, "--features", "exercise"])?;
    let (ex_passed, ex_failed) = test_counts(&exercise.output);
    if exercise.ok || ex_failed == 0 {
        show_tail(&exercise.output);
        return Err("the untouched exercise passes its tests; it should fail".to_string());
    }
    Ok(format!(
        "reference {passed} tests pass; exercise compiles, {ex_failed} fail ({ex_passed} pass)"
    ))
}

fn verify(chapters: &[Chapter]) -> Result<(), String> {
    if chapters.is_empty() {
        return Err("no chapters found".to_string());
    }
    let (mut passed, mut failed) = (0, 0);
    for chapter in chapters {
        match verify_chapter(chapter) {
            Ok(summary) => {
                passed += 1;
                println!("ok     {}  {summary}", chapter.folder);
            }
            Err(problem) => {
                failed += 1;
                println!("FAILED {}  {problem}", chapter.folder);
            }
        }
    }
    println!("course verify: {passed} passed, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} chapter(s) failed verification"))
    }
}
