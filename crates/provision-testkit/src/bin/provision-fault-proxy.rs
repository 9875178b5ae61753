//! The fault-injection proxy as a process, for scripts that put it in front of moto for provision
//! and for Terraform alike (`scripts/bench-stack.sh`), and the critical path of a stack's state.
//!
//! ```text
//! provision-fault-proxy --upstream http://127.0.0.1:5000 [--port N] [--timing-scale F]
//!                       [--stats-file PATH] [--plain]
//! provision-fault-proxy critical-path --state provision.tfstate [--layer runtime] [--scale F]
//! ```
//!
//! The first form prints the proxy's URL on a line of its own once it listens, then serves until
//! SIGTERM or SIGINT. `--timing-scale F` turns on the "real AWS timing" profile at F (0.01: a NAT
//! gateway pending for 1.2 s; see `provision_testkit::emulate_timing`). Unless `--plain`, the
//! answers moto gets wrong for the stacks' types are put right as in the tests (`S3Answers`, the
//! `CloudFront` emulation with its origin access identity, cache policy and function APIs, the
//! scalable targets' tag API, `ScalableTargetTags`).
//!
//! The calls it forwards are counted per `service:Operation`; `GET <url>/__provision/stats`
//! answers them as JSON and `POST <url>/__provision/stats/reset` starts the count again, so a
//! script reads the calls of each command while the proxy (and the clocks of the objects it
//! watches) lives through the whole run. On exit the counts are also written to `--stats-file`.
//!
//! The second form prints, as JSON, the critical paths of the objects of a state (all, or those
//! recorded in one layer): the longest chains of waits of the profile along the recorded
//! dependencies, at AWS's durations (`provision_testkit::emulate_timing::critical_paths`); and
//! under `polled` (at `--scale`) and `polled_aws` (at 1), the same chains as provision's waiters
//! see them, each wait ending at the first poll after it (`polled_paths`).

use provision_testkit::emulate_autoscaling::ScalableTargetTags;
use provision_testkit::emulate_cloudfront::CloudFront;
use provision_testkit::emulate_s3::S3Answers;
use provision_testkit::emulate_timing::{Timing, critical_paths, polled_paths};
use provision_testkit::faults::{FaultProxy, Rules};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "usage:
  provision-fault-proxy --upstream URL [--port N] [--timing-scale F] [--stats-file PATH] [--plain]
  provision-fault-proxy critical-path --state FILE [--layer LAYER] [--scale F]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("critical-path") {
        critical_path(&args[1..])
    } else if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        Ok(())
    } else {
        serve(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("provision-fault-proxy: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `--name value` pairs and lone `--flags`.
struct Args {
    values: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Args {
    fn parse(args: &[String], with_value: &[&str], flags: &[&str]) -> Result<Args, String> {
        let mut out = Args { values: vec![], flags: vec![] };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            if with_value.contains(&name) {
                let value = match inline {
                    Some(v) => v,
                    None => it.next().cloned().ok_or_else(|| format!("{name} needs a value"))?,
                };
                out.values.push((name.to_string(), value));
            } else if flags.contains(&name) && inline.is_none() {
                out.flags.push(name.to_string());
            } else {
                return Err(format!("unknown argument {a:?}"));
            }
        }
        Ok(out)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

fn serve(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--upstream", "--port", "--timing-scale", "--stats-file"], &["--plain"])?;
    let upstream = args.get("--upstream").ok_or("--upstream is required")?;
    let port: u16 = match args.get("--port") {
        Some(p) => p.parse().map_err(|_| format!("--port {p:?} is not a port number"))?,
        None => 0,
    };
    let timing = match args.get("--timing-scale") {
        Some(s) => Some(Timing::new(s.parse().map_err(|_| format!("--timing-scale {s:?} is not a number"))?)?),
        None => None,
    };
    let (mut rules, real_timing) = match timing {
        Some(t) => {
            let (rules, emulator) = t.rules();
            (rules, Some(emulator))
        }
        None => (Rules::default(), None),
    };
    if !args.has("--plain") {
        // Before the timing emulator, so that its rewrites see theirs.
        let mut fixes: Vec<Arc<dyn provision_testkit::faults::Emulator>> =
            vec![Arc::new(S3Answers), Arc::new(CloudFront::new(0, 0, 0)), Arc::new(ScalableTargetTags::default())];
        fixes.append(&mut rules.emulators);
        rules.emulators = fixes;
    }
    let proxy = FaultProxy::start_on(upstream, port)?;
    proxy.set_rules(rules);
    println!("{}", proxy.url());
    let _ = std::io::stdout().flush();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot build a runtime: {e}"))?;
    runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<(), String>(())
    })?;

    let stats = proxy.stats();
    if let Some(path) = args.get("--stats-file") {
        std::fs::write(path, stats.to_json()).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    let shown = real_timing.map(|t| t.shown()).unwrap_or_default();
    eprintln!(
        "provision-fault-proxy: {} calls forwarded; pending/deleting answers: {}",
        stats.requests_total(),
        shown
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(stats.injected.iter().map(|(k, v)| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}

fn critical_path(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--state", "--layer", "--scale"], &[])?;
    let path = args.get("--state").ok_or("--state is required")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let state: provision_core::state::State =
        serde_json::from_str(&text).map_err(|e| format!("{path} is not a provision state: {e}"))?;
    let paths = critical_paths(&state, args.get("--layer"));
    let mut out = serde_json::json!({
        "objects": paths.objects,
        "types": paths.types,
        "apply": paths.apply.to_json(),
        "destroy": paths.destroy.to_json(),
    });
    // As provision's waiters see them: at the run's scale and on AWS.
    let scale = match args.get("--scale") {
        Some(s) => s.parse().map_err(|_| format!("--scale {s:?} is not a number"))?,
        None => 1.0,
    };
    for (key, timing) in [("polled", Timing::new(scale)?), ("polled_aws", Timing::new(1.0)?)] {
        let polled = polled_paths(&state, args.get("--layer"), &timing);
        out[key] = serde_json::json!({ "apply": polled.apply.seconds, "destroy": polled.destroy.seconds });
    }
    println!("{out}");
    Ok(())
}
