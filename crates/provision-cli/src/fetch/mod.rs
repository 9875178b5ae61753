//! `provision init`'s module downloader: fetches the registry, git and archive sources of the
//! configuration's `module` blocks (and of the modules they download) into
//! `.terraform/modules/<key>`, writes `.terraform/modules/modules.json` as `terraform init` does
//! (so the configuration loader reads either tool's downloads) and records what each call
//! resolved to in `.provision.modules.lock`.

mod http;
mod source;
mod version;

use crate::printer::Printer;
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use source::{ArchiveKind, Source};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;
use version::{Constraint, Version};

/// Where `terraform init` and `provision init` put downloaded modules, relative to the root.
const MODULES_DIR: &str = ".terraform/modules";
/// The lock of fetched modules, in the root directory.
pub const LOCK_FILE: &str = ".provision.modules.lock";
/// Module calls nest at most this deep (as in the configuration loader).
const MAX_DEPTH: usize = 16;

/// One entry of `modules.json`, in Terraform's spelling.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Source")]
    source: String,
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(rename = "Dir")]
    dir: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    #[serde(rename = "Modules")]
    modules: Vec<ManifestEntry>,
}

/// What one module call resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Locked {
    /// The call's source, a registry address with its host.
    source: String,
    /// The registry version chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    /// What was downloaded: the git URL or the archive URL.
    url: String,
    /// The commit checked out, for git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    /// The SHA-256 of the archive, for archives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Lock {
    /// By call key (`vpc`, `app.sg`).
    modules: BTreeMap<String, Locked>,
}

/// How many remote module calls were downloaded, and how many were already in the cache as
/// locked.
#[derive(Debug, Default)]
pub struct Summary {
    pub fetched: usize,
    pub kept: usize,
}

/// Fetches the remote modules of the configuration in `root`. `Ok(None)` when the root's own
/// files cannot be read: loading the configuration reports why.
pub async fn fetch_modules(printer: &Printer, root: &Path, upgrade: bool) -> Result<Option<Summary>> {
    let (calls, diags) = provision_config::module_sources(root, "");
    if diags.has_errors() {
        return Ok(None);
    }
    let mut walk = Walk {
        root: root.to_path_buf(),
        upgrade,
        http: None,
        manifest: read_json::<Manifest>(&root.join(MODULES_DIR).join("modules.json"))?.unwrap_or_default(),
        old: read_json::<Lock>(&root.join(LOCK_FILE))?.unwrap_or_default(),
        new: Lock::default(),
        entries: vec![ManifestEntry { key: String::new(), source: String::new(), version: None, dir: ".".into() }],
        summary: Summary::default(),
        printer,
    };
    let mut queue: VecDeque<(String, String, Vec<provision_config::ModuleSource>)> = VecDeque::new();
    queue.push_back((".".into(), String::new(), calls));
    while let Some((dir, key_prefix, calls)) = queue.pop_front() {
        for call in calls {
            let key = format!("{key_prefix}{}", call.name);
            if key.matches('.').count() >= MAX_DEPTH {
                bail!("{}: module \"{}\": module calls nest more than {MAX_DEPTH} deep", call.location, call.name);
            }
            let parsed =
                source::parse(&call.source).map_err(|e| anyhow!("{}: module \"{}\": {e}", call.location, call.name))?;
            let module_dir = match &parsed {
                Source::Local(path) => {
                    let d = provision_config::normalize_module_dir(&Path::new(&dir).join(path));
                    walk.entries.push(ManifestEntry {
                        key: key.clone(),
                        source: call.source.clone(),
                        version: None,
                        dir: d.clone(),
                    });
                    d
                }
                _ => walk
                    .remote(&key, &parsed, &call)
                    .await
                    .map_err(|e| anyhow!("{}: module \"{}\" ({}): {e:#}", call.location, call.name, call.source))?,
            };
            let path = root.join(&module_dir);
            if !path.is_dir() {
                // A missing local module is reported by the configuration loader.
                continue;
            }
            let prefix = if module_dir.starts_with(MODULES_DIR) { format!("{module_dir}/") } else { String::new() };
            let (nested, diags) = provision_config::module_sources(&path, &prefix);
            if let Some(d) = diags.errors().next() {
                if prefix.is_empty() {
                    continue;
                }
                bail!("{}: module \"{}\" ({}): {}", call.location, call.name, call.source, d.summary);
            }
            queue.push_back((module_dir, format!("{key}."), nested));
        }
    }
    walk.finish()
}

struct Walk<'a> {
    root: PathBuf,
    upgrade: bool,
    http: Option<http::Http>,
    /// `modules.json` as found.
    manifest: Manifest,
    /// The lock as found, and as written.
    old: Lock,
    new: Lock,
    entries: Vec<ManifestEntry>,
    summary: Summary,
    printer: &'a Printer,
}

impl Walk<'_> {
    fn http(&mut self) -> Result<&http::Http> {
        if self.http.is_none() {
            self.http = Some(http::Http::new()?);
        }
        self.http.as_ref().ok_or_else(|| anyhow!("no HTTP client"))
    }

    /// Installs one remote call (or keeps it, when the cache holds what is locked) and returns
    /// the module's directory relative to the root.
    async fn remote(&mut self, key: &str, source: &Source, call: &provision_config::ModuleSource) -> Result<String> {
        let canonical = source.canonical(&call.source);
        let constraint = match (&call.version, source) {
            (Some(v), Source::Registry { .. }) => Constraint::parse(v).map_err(|e| anyhow!("version {e}"))?,
            (Some(_), _) => bail!("`version` applies only to registry modules; pin a git source with ?ref="),
            (None, _) => Constraint::default(),
        };
        let locked = self
            .old
            .modules
            .get(key)
            .filter(|l| l.source == canonical)
            .filter(|l| l.version.as_deref().and_then(Version::parse).is_none_or(|v| constraint.allows(&v)))
            .filter(|_| !self.upgrade)
            .cloned();
        let dest = format!("{MODULES_DIR}/{key}");
        if let Some(l) = &locked {
            let cached =
                self.manifest.modules.iter().find(|e| e.key == key && e.source == canonical && e.version == l.version);
            if let Some(entry) = cached.filter(|e| self.root.join(&e.dir).is_dir()).cloned() {
                self.summary.kept += 1;
                self.new.modules.insert(key.to_string(), l.clone());
                self.entries.push(entry.clone());
                return Ok(entry.dir);
            }
        }
        let (package, chosen) = match source {
            Source::Registry { host, namespace, name, provider, .. } => {
                let pinned = locked.as_ref().and_then(|l| l.version.clone());
                let (version, url) =
                    self.resolve_registry(host, &format!("{namespace}/{name}/{provider}"), &constraint, pinned).await?;
                self.printer.line(&format!("- {key}: downloading {canonical} {version}"));
                let package =
                    source::parse(&url).map_err(|e| anyhow!("the registry's download location {url}: {e}"))?;
                (package, Some(version))
            }
            other => {
                self.printer.line(&format!("- {key}: downloading {}", call.source));
                (other.clone(), None)
            }
        };
        let abs = self.root.join(&dest);
        if abs.exists() {
            std::fs::remove_dir_all(&abs).with_context(|| format!("cannot empty {dest}"))?;
        }
        std::fs::create_dir_all(&abs).with_context(|| format!("cannot create {dest}"))?;
        let mut record = Locked {
            source: canonical.clone(),
            version: chosen.clone(),
            url: String::new(),
            commit: None,
            sha256: None,
        };
        match &package {
            Source::Git { url, reference, .. } => {
                let pin = locked.as_ref().and_then(|l| l.commit.clone());
                record.commit = Some(git_clone(url, pin.as_deref().or(reference.as_deref()), &abs)?);
                record.url = match reference {
                    Some(r) => format!("git::{url}?ref={r}"),
                    None => format!("git::{url}"),
                };
            }
            Source::Archive { url, kind, .. } => {
                let response = self.http()?.get(url).await?;
                if response.status != 200 {
                    bail!("downloading {url} answered HTTP {}", response.status);
                }
                let sha = hex(&sha2::Sha256::digest(&response.body));
                if let Some(want) = locked.as_ref().and_then(|l| l.sha256.as_ref())
                    && *want != sha
                {
                    bail!(
                        "{url} changed since it was locked (SHA-256 {sha}, locked {want}); run `provision init -upgrade` to accept it"
                    );
                }
                extract(&response.body, *kind, &abs, &self.root.join(MODULES_DIR).join(format!(".{key}.download")))?;
                record.url = url.clone();
                record.sha256 = Some(sha);
            }
            Source::Registry { .. } | Source::Local(_) => {
                bail!("the registry's download location is itself a registry address or a local path")
            }
        }
        let mut dir = dest.clone();
        for sub in [package.subdir(), if matches!(source, Source::Registry { .. }) { source.subdir() } else { None }]
            .into_iter()
            .flatten()
        {
            dir = format!("{dir}/{sub}");
        }
        let dir = provision_config::normalize_module_dir(Path::new(&dir));
        if !self.root.join(&dir).is_dir() {
            bail!("the downloaded package has no directory {}", dir.trim_start_matches(&format!("{dest}/")));
        }
        self.summary.fetched += 1;
        self.new.modules.insert(key.to_string(), record);
        self.entries.push(ManifestEntry { key: key.to_string(), source: canonical, version: chosen, dir: dir.clone() });
        Ok(dir)
    }

    /// The version to install (the locked one if the constraint still allows it, else the
    /// newest allowed) and where the registry says to download it from.
    async fn resolve_registry(
        &mut self,
        host: &str,
        module: &str,
        constraint: &Constraint,
        pinned: Option<String>,
    ) -> Result<(String, String)> {
        let scheme = if http::is_loopback(host) { "http" } else { "https" };
        let discovery = format!("{scheme}://{host}/.well-known/terraform.json");
        let http = self.http()?;
        let answer = http.get(&discovery).await.map_err(|e| anyhow!("the registry {host} is not reachable: {e:#}"))?;
        if answer.status != 200 {
            bail!("the registry {host} answered HTTP {} to {discovery}", answer.status);
        }
        let services: serde_json::Value = serde_json::from_slice(&answer.body)
            .map_err(|e| anyhow!("{discovery} is not the JSON of Terraform's service discovery: {e}"))?;
        let Some(modules) = services.get("modules.v1").and_then(|v| v.as_str()) else {
            bail!("{host} does not serve modules (no modules.v1 in {discovery})");
        };
        let mut base = http::join(&answer.url, modules);
        if !base.ends_with('/') {
            base.push('/');
        }
        let list_url = format!("{base}{module}/versions");
        let list = http.get(&list_url).await?;
        if list.status == 404 {
            bail!("the registry {host} has no module {module}");
        }
        if list.status != 200 {
            bail!("{list_url} answered HTTP {}", list.status);
        }
        let json: serde_json::Value =
            serde_json::from_slice(&list.body).map_err(|e| anyhow!("{list_url} did not answer JSON: {e}"))?;
        let mut versions: Vec<Version> = json
            .get("modules")
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("versions")?.as_array())
            .flatten()
            .filter_map(|v| Version::parse(v.get("version")?.as_str()?))
            .collect();
        versions.sort();
        versions.reverse();
        let chosen = match pinned.and_then(|p| versions.iter().find(|v| v.text == p)) {
            Some(v) => v.clone(),
            None => match constraint.newest(&versions) {
                Some(v) => v.clone(),
                None if versions.is_empty() => bail!("the registry {host} lists no versions of {module}"),
                None => bail!(
                    "no version of {module} matches the constraint; the registry has {}",
                    versions.iter().map(|v| v.text.as_str()).collect::<Vec<_>>().join(", ")
                ),
            },
        };
        let download_url = format!("{base}{module}/{}/download", chosen.text);
        let download = http.get(&download_url).await?;
        let location = match download.status {
            200 | 204 => {
                download.headers.get("x-terraform-get").and_then(|h| h.to_str().ok()).map(str::to_string).or_else(
                    || {
                        let json: serde_json::Value = serde_json::from_slice(&download.body).ok()?;
                        json.get("location")?.as_str().map(str::to_string)
                    },
                )
            }
            _ => None,
        };
        let Some(location) = location else {
            bail!("{download_url} answered HTTP {} without a download location (X-Terraform-Get)", download.status);
        };
        Ok((chosen.text.clone(), http::join(&download.url, &location)))
    }

    /// Writes `modules.json` and the lock.
    fn finish(self) -> Result<Option<Summary>> {
        let remote = self.entries.iter().any(|e| !e.source.is_empty() && !e.source.starts_with('.'));
        if remote || self.root.join(MODULES_DIR).join("modules.json").exists() {
            let dir = self.root.join(MODULES_DIR);
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {MODULES_DIR}"))?;
            let text = serde_json::to_string(&Manifest { modules: self.entries })?;
            std::fs::write(dir.join("modules.json"), text)
                .with_context(|| format!("cannot write {MODULES_DIR}/modules.json"))?;
        }
        if !self.new.modules.is_empty() || self.root.join(LOCK_FILE).exists() {
            let text = serde_json::to_string_pretty(&self.new)? + "\n";
            std::fs::write(self.root.join(LOCK_FILE), text).with_context(|| format!("cannot write {LOCK_FILE}"))?;
        }
        Ok(Some(self.summary))
    }
}

/// Reads a JSON file; `None` if it does not exist.
fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| anyhow!("{} cannot be read: {e}; delete it and run `provision init` again", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Clones `url` into `dest` with the `git` command and checks out `reference` (a tag, branch or
/// commit); returns the commit checked out.
fn git_clone(url: &str, reference: Option<&str>, dest: &Path) -> Result<String> {
    let git = |args: &[&str], dir: Option<&Path>| -> Result<String> {
        let mut cmd = Command::new("git");
        if let Some(d) = dir {
            cmd.arg("-C").arg(d);
        }
        let out = cmd.args(args).env("GIT_TERMINAL_PROMPT", "0").output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow!("the git command is needed to fetch {url} and was not found; install git")
            } else {
                anyhow!("cannot run git: {e}")
            }
        })?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            bail!("git {} failed: {}", args.first().copied().unwrap_or(""), err.trim());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let dest_str = dest.to_string_lossy().to_string();
    git(&["clone", "--quiet", "--", url, &dest_str], None)?;
    if let Some(r) = reference {
        git(&["checkout", "--quiet", r, "--"], Some(dest)).map_err(|e| anyhow!("{url} has no ref {r}: {e}"))?;
    }
    git(&["rev-parse", "HEAD"], Some(dest))
}

/// Unpacks an archive into `dest` with `tar` or `unzip`, through a file at `scratch`.
fn extract(bytes: &[u8], kind: ArchiveKind, dest: &Path, scratch: &Path) -> Result<()> {
    std::fs::write(scratch, bytes).with_context(|| format!("cannot write {}", scratch.display()))?;
    let (program, mut cmd) = match kind {
        ArchiveKind::TarGz => {
            let mut c = Command::new("tar");
            c.arg("-xzf").arg(scratch).arg("-C").arg(dest);
            ("tar", c)
        }
        ArchiveKind::Zip => {
            let mut c = Command::new("unzip");
            c.arg("-q").arg("-o").arg(scratch).arg("-d").arg(dest);
            ("unzip", c)
        }
    };
    let out = cmd.output();
    let _ = std::fs::remove_file(scratch);
    let out = out.map_err(|e| anyhow!("cannot run {program} to unpack the archive: {e}"))?;
    if !out.status.success() {
        bail!("the archive could not be unpacked: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
