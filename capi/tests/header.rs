//! The committed header is what cbindgen makes of the current sources.

use std::path::Path;

#[test]
fn header_is_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = dir.join("include/bilateral.h");
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen parses the crate")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");
    if std::env::var_os("BILATERAL_UPDATE_HEADER").is_some() {
        std::fs::write(&committed, &generated).expect("write the header");
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    if current != generated {
        // Lines with their endings, so that a difference in those shows too.
        let old: Vec<&str> = current.split_inclusive('\n').collect();
        let new: Vec<&str> = generated.split_inclusive('\n').collect();
        let line = (0..old.len().max(new.len()))
            .find(|&i| old.get(i) != new.get(i))
            .expect("texts that differ differ in a line");
        panic!(
            "{} is out of date; regenerate it with\n\n    \
             BILATERAL_UPDATE_HEADER=1 cargo test -p bilateral-capi --test header\n\n\
             and commit it. First difference, line {}:\n  committed: {:?}\n  generated: {:?}",
            committed.display(),
            line + 1,
            old.get(line),
            new.get(line),
        );
    }
}
