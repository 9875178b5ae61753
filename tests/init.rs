//! `provision init` downloading modules without the internet: a module registry stub served on a
//! loopback port (service discovery, versions, downloads redirecting to tar.gz archives it also
//! serves, or to a git repository made by the test), then what init writes (modules.json, the
//! lock), what validate reads, what a second init keeps and what `-upgrade` changes.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn provision(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_provision"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("provision runs")
}

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program).current_dir(dir).args(args).output().expect("command runs");
    assert!(out.status.success(), "{program} {args:?}: {}", text(&out.stderr));
}

/// What the stub serves and how often the archives were downloaded.
#[derive(Default)]
struct Registry {
    /// Version and the tar.gz of the module `acme/net/aws` at that version.
    versions: Vec<(String, Vec<u8>)>,
    /// Where `acme/gitnet/aws` 1.0.0 is (an X-Terraform-Get value).
    git: String,
    downloads: usize,
}

/// Serves the registry protocol on a free loopback port; returns the host (`127.0.0.1:PORT`).
fn serve(registry: Arc<Mutex<Registry>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut line = String::new();
                if !matches!(reader.read_line(&mut line), Ok(n) if n > 0) || line == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut reg = registry.lock().expect("registry");
            let (status, headers, body): (&str, Vec<String>, Vec<u8>) = match path.as_str() {
                "/.well-known/terraform.json" => ("200 OK", vec![], br#"{"modules.v1":"/v1/modules/"}"#.to_vec()),
                "/v1/modules/acme/net/aws/versions" => {
                    let list: Vec<String> =
                        reg.versions.iter().map(|(v, _)| format!(r#"{{"version":"{v}"}}"#)).collect();
                    ("200 OK", vec![], format!(r#"{{"modules":[{{"versions":[{}]}}]}}"#, list.join(",")).into_bytes())
                }
                "/v1/modules/acme/gitnet/aws/versions" => {
                    ("200 OK", vec![], br#"{"modules":[{"versions":[{"version":"1.0.0"}]}]}"#.to_vec())
                }
                "/v1/modules/acme/gitnet/aws/1.0.0/download" => {
                    ("204 No Content", vec![format!("X-Terraform-Get: {}", reg.git)], vec![])
                }
                p if p.starts_with("/v1/modules/acme/net/aws/") && p.ends_with("/download") => {
                    let v = p.trim_start_matches("/v1/modules/acme/net/aws/").trim_end_matches("/download");
                    ("204 No Content", vec![format!("X-Terraform-Get: /archives/net-{v}.tar.gz")], vec![])
                }
                p if p.starts_with("/archives/net-") => {
                    let v = p.trim_start_matches("/archives/net-").trim_end_matches(".tar.gz").to_string();
                    match reg.versions.iter().find(|(x, _)| *x == v).map(|(_, b)| b.clone()) {
                        Some(b) => {
                            reg.downloads += 1;
                            ("200 OK", vec![], b)
                        }
                        None => ("404 Not Found", vec![], vec![]),
                    }
                }
                _ => ("404 Not Found", vec![], vec![]),
            };
            drop(reg);
            let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
            for h in headers {
                head.push_str(&h);
                head.push_str("\r\n");
            }
            head.push_str("\r\n");
            let mut s = &stream;
            let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(&body));
        }
    });
    host
}

/// The tar.gz of the module `net` at `version`: a variable, an output naming the version, and a
/// nested local module.
fn net_archive(version: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(pkg.join("sub")).expect("mkdir");
    std::fs::write(
        pkg.join("main.tf"),
        format!(
            "variable \"cidr\" {{\n  type = string\n}}\n\nmodule \"sub\" {{\n  source = \"./sub\"\n}}\n\noutput \"version\" {{\n  value = \"{version}\"\n}}\n\noutput \"sub\" {{\n  value = module.sub.name\n}}\n"
        ),
    )
    .expect("write");
    std::fs::write(pkg.join("sub/main.tf"), "output \"name\" {\n  value = \"sub\"\n}\n").expect("write");
    run(&pkg, "tar", &["-czf", "../net.tar.gz", "."]);
    std::fs::read(dir.path().join("net.tar.gz")).expect("archive")
}

/// A git repository with one module, tagged v1.0.0.
fn git_repo(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("main.tf"), "output \"from\" {\n  value = \"git\"\n}\n").expect("write");
    run(dir, "git", &["init", "-q"]);
    run(dir, "git", &["add", "."]);
    run(dir, "git", &["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "module"]);
    run(dir, "git", &["tag", "v1.0.0"]);
}

fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(".terraform/modules/modules.json")).expect("modules.json");
    serde_json::from_str(&text).expect("json")
}

fn entry<'a>(m: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    m["Modules"].as_array().expect("Modules").iter().find(|e| e["Key"] == key).expect(key)
}

#[test]
fn init_fetches_registry_and_git_modules_and_locks_them() {
    let work = tempfile::tempdir().expect("tempdir");
    let repo = work.path().join("repo");
    git_repo(&repo);
    let registry = Arc::new(Mutex::new(Registry {
        versions: ["1.0.0", "1.1.0", "2.0.0"].iter().map(|v| (v.to_string(), net_archive(v))).collect(),
        git: format!("git::file://{}?ref=v1.0.0", repo.display()),
        downloads: 0,
    }));
    let host = serve(registry.clone());
    let root = work.path().join("root");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::fs::write(
        root.join("main.tf"),
        format!(
            r#"module "net" {{
  source  = "{host}/acme/net/aws"
  version = "~> 1.0"
  cidr    = "10.0.0.0/16"
}}

module "viaregistry" {{
  source = "{host}/acme/gitnet/aws"
}}

module "direct" {{
  source = "git::file://{repo}?ref=v1.0.0"
}}

output "net" {{
  value = [module.net.version, module.net.sub, module.viaregistry.from, module.direct.from]
}}
"#,
            repo = repo.display()
        ),
    )
    .expect("write");

    // Before init, the configuration cannot be read: the modules are not there.
    let out = provision(&root, &["validate"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("provision init"), "{}", text(&out.stderr));

    let out = provision(&root, &["init"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("Fetched 3 modules"), "{}", text(&out.stdout));
    let m = manifest(&root);
    assert_eq!(entry(&m, "net")["Version"], "1.1.0");
    assert_eq!(entry(&m, "net")["Source"], format!("{host}/acme/net/aws"));
    assert_eq!(entry(&m, "net")["Dir"], ".terraform/modules/net");
    assert_eq!(entry(&m, "net.sub")["Dir"], ".terraform/modules/net/sub");
    assert_eq!(entry(&m, "viaregistry")["Version"], "1.0.0");
    assert_eq!(entry(&m, "direct")["Dir"], ".terraform/modules/direct");
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(".provision.modules.lock")).expect("lock"))
            .expect("json");
    assert_eq!(lock["modules"]["net"]["version"], "1.1.0");
    assert_eq!(lock["modules"]["net"]["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(lock["modules"]["direct"]["commit"].as_str().map(str::len), Some(40));
    assert_eq!(lock["modules"]["viaregistry"]["url"], format!("git::file://{}?ref=v1.0.0", repo.display()));
    assert_eq!(registry.lock().expect("registry").downloads, 1);

    let out = provision(&root, &["validate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = provision(&root, &["plan", "-refresh=false"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"1.1.0\""), "{}", text(&out.stdout));

    // A newer version matching the constraint appears: init keeps what is locked, -upgrade takes it.
    registry.lock().expect("registry").versions.push(("1.2.0".into(), net_archive("1.2.0")));
    let out = provision(&root, &["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("3 modules already downloaded"), "{}", text(&out.stdout));
    assert_eq!(registry.lock().expect("registry").downloads, 1);
    assert_eq!(entry(&manifest(&root), "net")["Version"], "1.1.0");

    let out = provision(&root, &["init", "-upgrade"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(entry(&manifest(&root), "net")["Version"], "1.2.0");
    let main = std::fs::read_to_string(root.join(".terraform/modules/net/main.tf")).expect("module");
    assert!(main.contains("\"1.2.0\""), "{main}");

    // A deleted cache is fetched again, at the locked version.
    std::fs::remove_dir_all(root.join(".terraform")).expect("rm");
    let out = provision(&root, &["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(entry(&manifest(&root), "net")["Version"], "1.2.0");
}

#[test]
fn init_reports_a_constraint_nothing_matches_at_the_call() {
    let registry = Arc::new(Mutex::new(Registry {
        versions: ["1.0.0", "1.1.0"].iter().map(|v| (v.to_string(), net_archive(v))).collect(),
        ..Registry::default()
    }));
    let host = serve(registry);
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        root.path().join("main.tf"),
        format!("module \"net\" {{\n  source  = \"{host}/acme/net/aws\"\n  version = \">= 3.0\"\n  cidr    = \"10.0.0.0/16\"\n}}\n"),
    )
    .expect("write");
    let out = provision(root.path(), &["init"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("main.tf:2:13"), "{err}");
    assert!(err.contains("no version of acme/net/aws matches the constraint; the registry has 1.1.0, 1.0.0"), "{err}");
    assert_eq!(err.matches("matches the constraint").count(), 1, "{err}");
    assert!(!root.path().join(".terraform/modules/modules.json").exists());
    assert!(!root.path().join(".provision.modules.lock").exists());

    // A registry that does not answer is named, at the call.
    std::fs::write(root.path().join("main.tf"), "module \"net\" {\n  source = \"127.0.0.1:1/acme/net/aws\"\n}\n")
        .expect("write");
    let out = provision(root.path(), &["init"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("main.tf:2:12") && err.contains("the registry 127.0.0.1:1 is not reachable"), "{err}");
}
