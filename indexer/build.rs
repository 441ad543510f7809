//! Embeds the thesaurus files (`thesaurus/*.toml`) in the library, so that every binary and
//! every read replica tags and expands with the same concepts without shipping a data folder.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("thesaurus");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("indexer/thesaurus is part of the crate")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();

    let mut code = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().expect("a file").to_string_lossy();
        writeln!(code, "    ({name:?}, include_str!({:?})),", path.display())
            .expect("writing to a String");
    }
    code.push(']');

    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets it")).join("thesaurus.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
