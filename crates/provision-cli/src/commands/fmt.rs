//! `provision fmt`: Terraform's canonical layout for `.tf` and `.tfvars` files (see
//! [`crate::hclfmt`]), with Terraform's flags: `-check` (exit 3 when a file is not formatted),
//! `-diff`, `-recursive`, `-list`, `-write`; `-` formats standard input to standard output.

use crate::Status;
use crate::cli::FmtArgs;
use crate::hclfmt::format;
use crate::printer::Printer;
use anyhow::{Context as _, Result};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The files fmt formats in a directory: Terraform's extensions.
fn formattable(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".tftest.hcl")
}

fn collect(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the directory {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let hidden = p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if p.is_dir() {
            if recursive && !hidden {
                collect(&p, recursive, out)?;
            }
        } else if formattable(&p) && !hidden {
            out.push(p);
        }
    }
    Ok(())
}

/// A unified diff of a file's change, as `terraform fmt -diff` prints it.
fn diff(path: &Path, before: &str, after: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}

pub fn run(printer: &Printer, args: FmtArgs) -> Result<Status> {
    let write = args.write && !args.check;
    if args.paths.len() == 1 && args.paths[0] == Path::new("-") {
        let mut src = String::new();
        std::io::stdin().read_to_string(&mut src).context("cannot read standard input")?;
        let formatted = format(&src);
        if args.check {
            return Ok(if formatted == src { Status::Ok } else { Status::Unformatted });
        }
        printer.out(&formatted);
        return Ok(Status::Ok);
    }
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut files = vec![];
    for p in &paths {
        if p.is_dir() {
            collect(p, args.recursive, &mut files)?;
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }
    let mut unformatted = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        let formatted = format(&src);
        if formatted == src {
            continue;
        }
        unformatted += 1;
        let shown = f.strip_prefix("./").unwrap_or(f);
        if args.list {
            printer.line(&shown.display().to_string());
        }
        if args.diff {
            printer.out(&diff(shown, &src, &formatted));
        }
        if write {
            std::fs::write(f, &formatted).with_context(|| format!("cannot write {}", f.display()))?;
        }
    }
    Ok(if args.check && unformatted > 0 { Status::Unformatted } else { Status::Ok })
}
