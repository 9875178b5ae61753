//! Module source strings in Terraform's forms: local paths, registry addresses
//! (`NS/NAME/PROVIDER`, `HOST/NS/NAME/PROVIDER`), `git::` URLs and the `github.com/ORG/REPO`
//! shorthand, and archive URLs, each with an optional `//subdir`.

/// The registry `NS/NAME/PROVIDER` with no host means.
pub const DEFAULT_REGISTRY: &str = "registry.terraform.io";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `./x` or `../x`: read where it is, nothing to download.
    Local(String),
    Registry {
        host: String,
        namespace: String,
        name: String,
        provider: String,
        subdir: Option<String>,
    },
    /// Cloned with the `git` command; `reference` is `?ref=`.
    Git {
        url: String,
        reference: Option<String>,
        subdir: Option<String>,
    },
    /// A `.tar.gz`, `.tgz` or `.zip` over http(s).
    Archive {
        url: String,
        kind: ArchiveKind,
        subdir: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    TarGz,
    Zip,
}

impl Source {
    /// The source as `modules.json` records it: a registry address with its host.
    pub fn canonical(&self, written: &str) -> String {
        match self {
            Source::Registry { host, namespace, name, provider, subdir } => {
                let sub = subdir.as_ref().map(|s| format!("//{s}")).unwrap_or_default();
                format!("{host}/{namespace}/{name}/{provider}{sub}")
            }
            _ => written.to_string(),
        }
    }

    pub fn subdir(&self) -> Option<&str> {
        match self {
            Source::Local(_) => None,
            Source::Registry { subdir, .. } | Source::Git { subdir, .. } | Source::Archive { subdir, .. } => {
                subdir.as_deref()
            }
        }
    }
}

/// Splits `//subdir` off a source: the first `//` after the scheme's `://`, if any.
fn split_subdir(s: &str) -> (String, Option<String>) {
    let start = s.find("://").map_or(0, |i| i + 3);
    match s[start..].find("//") {
        Some(i) => {
            let (head, tail) = s.split_at(start + i);
            let sub = tail[2..].trim_matches('/').to_string();
            (head.to_string(), if sub.is_empty() { None } else { Some(sub) })
        }
        None => (s.to_string(), None),
    }
}

/// Splits the query (`?ref=v1.0.0`) off a URL: the URL without `ref`, and `ref`.
fn split_ref(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else { return (url.to_string(), None) };
    let mut reference = None;
    let mut rest = vec![];
    for pair in query.split('&') {
        match pair.strip_prefix("ref=") {
            Some(r) => reference = Some(r.to_string()),
            None => rest.push(pair),
        }
    }
    let base = if rest.is_empty() { base.to_string() } else { format!("{base}?{}", rest.join("&")) };
    (base, reference)
}

fn valid_part(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parses a module source; the error says what the source should look like.
pub fn parse(source: &str) -> Result<Source, String> {
    let s = source.trim();
    if s.starts_with("./") || s.starts_with("../") || s == "." || s == ".." {
        return Ok(Source::Local(s.to_string()));
    }
    if let Some(rest) = s.strip_prefix("git::") {
        // The subdir sits before the query: `git::https://h/r.git//sub?ref=v1`.
        let (url, reference) = split_ref(rest);
        let (url, subdir) = split_subdir(&url);
        if url.is_empty() {
            return Err("a git:: source names a repository URL after git::".into());
        }
        return Ok(Source::Git { url, reference, subdir });
    }
    if let Some((forced, _)) = s.split_once("::") {
        return Err(format!(
            "{forced}:: sources are not supported by provision init; use a registry address, git::, or an https archive (.tar.gz, .zip)"
        ));
    }
    if let Some(rest) = s.strip_prefix("github.com/") {
        let (url, reference) = split_ref(rest);
        let (repo, subdir) = split_subdir(&url);
        let repo = repo.trim_end_matches(".git");
        if repo.split('/').count() != 2 {
            return Err("a github.com source is github.com/OWNER/REPO".into());
        }
        return Ok(Source::Git { url: format!("https://github.com/{repo}.git"), reference, subdir });
    }
    if s.starts_with("git@") {
        let (url, reference) = split_ref(s);
        let (url, subdir) = split_subdir(&url);
        return Ok(Source::Git { url, reference, subdir });
    }
    if s.starts_with("https://") || s.starts_with("http://") {
        let (url, subdir) = split_subdir(s);
        let path = url.split('?').next().unwrap_or(&url);
        let archive = url.split_once("archive=").map(|(_, a)| a.split('&').next().unwrap_or(a));
        let kind = if path.ends_with(".tar.gz") || path.ends_with(".tgz") || archive == Some("tar.gz") {
            ArchiveKind::TarGz
        } else if path.ends_with(".zip") || archive == Some("zip") {
            ArchiveKind::Zip
        } else {
            return Err(format!(
                "{url} is neither a .tar.gz, .tgz nor a .zip archive; for a git repository write git::{url}"
            ));
        };
        return Ok(Source::Archive { url, kind, subdir });
    }
    let (addr, subdir) = split_subdir(s);
    let parts: Vec<&str> = addr.split('/').collect();
    let (host, rest) = match parts.len() {
        3 => (DEFAULT_REGISTRY.to_string(), &parts[..]),
        4 if parts[0].contains('.') || parts[0].contains(':') => (parts[0].to_ascii_lowercase(), &parts[1..]),
        _ => {
            return Err(format!(
                "\"{source}\" is not a module source: write a local path (./modules/NAME), a registry address (NAMESPACE/NAME/PROVIDER, optionally after a HOST/), a git::URL or an https archive"
            ));
        }
    };
    if !rest.iter().all(|p| valid_part(p)) {
        return Err(format!(
            "\"{source}\" is not a registry address: NAMESPACE/NAME/PROVIDER are letters, digits, - and _"
        ));
    }
    Ok(Source::Registry {
        host,
        namespace: rest[0].to_string(),
        name: rest[1].to_string(),
        provider: rest[2].to_string(),
        subdir,
    })
}

#[cfg(test)]
mod tests {
    use super::{ArchiveKind, Source, parse};

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn registry_addresses() {
        assert_eq!(
            parse("terraform-aws-modules/vpc/aws"),
            Ok(Source::Registry {
                host: "registry.terraform.io".into(),
                namespace: "terraform-aws-modules".into(),
                name: "vpc".into(),
                provider: "aws".into(),
                subdir: None
            })
        );
        let iam = parse("terraform-aws-modules/iam/aws//modules/iam-role").expect("iam");
        assert_eq!(iam.subdir(), Some("modules/iam-role"));
        assert_eq!(iam.canonical("x"), "registry.terraform.io/terraform-aws-modules/iam/aws//modules/iam-role");
        let Ok(Source::Registry { host, .. }) = parse("127.0.0.1:8080/acme/net/aws") else { panic!("local registry") };
        assert_eq!(host, "127.0.0.1:8080");
        let Ok(Source::Registry { host, .. }) = parse("app.terraform.io/Acme/net/aws") else { panic!("host") };
        assert_eq!(host, "app.terraform.io");
    }

    #[test]
    fn git_sources() {
        assert_eq!(
            parse("git::https://example.com/net.git//modules/vpc?ref=v1.2.0"),
            Ok(Source::Git {
                url: "https://example.com/net.git".into(),
                reference: some("v1.2.0"),
                subdir: some("modules/vpc")
            })
        );
        assert_eq!(
            parse("git::ssh://git@example.com/net.git"),
            Ok(Source::Git { url: "ssh://git@example.com/net.git".into(), reference: None, subdir: None })
        );
        assert_eq!(
            parse("git::file:///tmp/repo?ref=v1.0.0"),
            Ok(Source::Git { url: "file:///tmp/repo".into(), reference: some("v1.0.0"), subdir: None })
        );
        assert_eq!(
            parse("github.com/hashicorp/example//sub?ref=main"),
            Ok(Source::Git {
                url: "https://github.com/hashicorp/example.git".into(),
                reference: some("main"),
                subdir: some("sub")
            })
        );
        assert_eq!(
            parse("git@github.com:org/repo.git?ref=v2"),
            Ok(Source::Git { url: "git@github.com:org/repo.git".into(), reference: some("v2"), subdir: None })
        );
    }

    #[test]
    fn archives_and_locals() {
        assert_eq!(
            parse("https://example.com/vpc-1.0.0.tar.gz//vpc"),
            Ok(Source::Archive {
                url: "https://example.com/vpc-1.0.0.tar.gz".into(),
                kind: ArchiveKind::TarGz,
                subdir: some("vpc")
            })
        );
        assert!(matches!(parse("https://example.com/x.zip"), Ok(Source::Archive { kind: ArchiveKind::Zip, .. })));
        assert_eq!(parse("./modules/net"), Ok(Source::Local("./modules/net".into())));
        assert_eq!(parse("../shared"), Ok(Source::Local("../shared".into())));
    }

    #[test]
    fn rejects_bad_sources() {
        assert!(parse("vpc").is_err());
        assert!(parse("a/b").is_err());
        assert!(parse("a/b c/d").is_err());
        assert!(parse("s3::https://bucket/x.zip").is_err());
        assert!(parse("https://example.com/page").is_err());
    }
}
