//! The command line as data (clap derive), and the translation of Terraform's single-dash long
//! flags (`-out=FILE`, `-var`, `-auto-approve`) into clap's double-dash ones.

use clap::{Args, Parser, Subcommand};
use provision_core::Layer;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "provision",
    version,
    about = "Provision AWS infrastructure from Terraform configuration, directly through the AWS SDK."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// `--var` and `--var-file` in the order they were given (later ones win, as in Terraform).
pub fn var_sources(args: &[OsString]) -> Vec<provision_config::VarSource> {
    use provision_config::VarSource;
    let mut out = vec![];
    let mut it = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let take = |flag: &str, a: &str, it: &mut dyn Iterator<Item = &str>| -> Option<String> {
            if a == flag {
                it.next().map(str::to_string)
            } else {
                a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')).map(str::to_string)
            }
        };
        if let Some(v) = take("--var-file", a, &mut it) {
            out.push(VarSource::File(PathBuf::from(v)));
        } else if let Some(v) = take("--var", a, &mut it) {
            out.push(VarSource::Var(v));
        }
    }
    out
}

#[derive(Debug, Args)]
pub struct Global {
    /// Run in DIR: read its *.tf files; relative paths (state, -var-file, -out) start there.
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Set a variable: NAME=VALUE (repeatable).
    #[arg(long = "var", global = true, value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Read variables from a .tfvars (or .tfvars.json) file (repeatable).
    #[arg(long = "var-file", global = true, value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
    /// More logging on stderr (-v: provision's decisions and AWS calls; -vv: everything). RUST_LOG overrides.
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No colours (NO_COLOR is honoured too).
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
    /// The environment: a separate state (and NAME.tfvars when present); `terraform.workspace`.
    #[arg(long = "env", global = true, env = "PROVISION_ENV", default_value = "default", value_name = "NAME")]
    pub env: String,
    /// Backend settings: KEY=VALUE, or a file of `key = "value"` lines (repeatable; later wins).
    #[arg(long = "backend-config", global = true, value_name = "KEY=VALUE|FILE")]
    pub backend_config: Vec<String>,
    /// How long a remote lock's holder may stay silent before the lock may be taken over (at
    /// least 3s; the holder renews every third of it).
    #[arg(long = "lock-lease", global = true, env = "PROVISION_LOCK_LEASE", default_value = "3m", value_parser = parse_lease, value_name = "DURATION")]
    pub lock_lease: Duration,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration: syntax, types, references, cycles. No AWS call, no state.
    Validate,
    /// Show what apply would do. Reads only.
    Plan(PlanArgs),
    /// Make the changes: from a saved plan FILE, or plan and ask for confirmation.
    Apply(ApplyArgs),
    /// Destroy every object of the stack.
    Destroy(DestroyArgs),
    /// Show output values from the state.
    Output(OutputArgs),
    /// Inspect the state, or clear a lock left by a killed run.
    #[command(subcommand)]
    State(StateCommand),
}

#[derive(Debug, Args, Clone)]
pub struct LockArgs {
    /// Wait this long for a state lock held by another run (e.g. 30s, 5m).
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Save the plan to FILE, for `provision apply FILE`.
    #[arg(long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Print the plan as JSON (the shape of `terraform show -json`; sensitive values redacted).
    #[arg(long)]
    pub json: bool,
    /// Plan the destruction of every object (with --layer: of that layer).
    #[arg(long)]
    pub destroy: bool,
    /// Plan one layer only: `runtime` (NAT gateways, load balancers, services and what depends on
    /// them) or `base`. With --destroy, previews `provision destroy --layer LAYER`.
    #[arg(long, value_name = "LAYER", value_parser = parse_layer)]
    pub layer: Option<Layer>,
    /// Read the current objects first (default true).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `provision plan -out FILE`.
    pub plan_file: Option<PathBuf>,
    /// Apply without asking for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// How many operations may run at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Read the current objects first (default true).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// Apply one layer only, e.g. `runtime` to bring back what `destroy --layer runtime` removed.
    #[arg(long, value_name = "LAYER", value_parser = parse_layer, conflicts_with = "plan_file")]
    pub layer: Option<Layer>,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Destroy without asking for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Destroy one layer only: `runtime` removes the NAT gateways, load balancers, services and
    /// everything that depends on them, and keeps the base.
    #[arg(long, value_name = "LAYER", value_parser = parse_layer)]
    pub layer: Option<Layer>,
    /// How many operations may run at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// One output; all of them when omitted.
    pub name: Option<String>,
    /// Print JSON.
    #[arg(long, conflicts_with = "raw")]
    pub json: bool,
    /// Print a string output without quotes (for shell scripts).
    #[arg(long)]
    pub raw: bool,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the addresses of every object in the state.
    List,
    /// Show one object's attributes.
    Show {
        /// The resource address, e.g. aws_subnet.public[0].
        address: String,
    },
    /// Print the state file.
    Pull,
    /// Replace the state with FILE (a `state pull` copy). Refuses another stack's state (lineage)
    /// or an older serial unless --force.
    Push {
        file: PathBuf,
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Forget the objects at ADDRESS (they stay in AWS). A resource address forgets every instance.
    Rm {
        #[arg(required = true)]
        address: Vec<String>,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Move objects from one address to another (a renamed resource), without touching AWS.
    Mv {
        from: String,
        to: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Create the S3 bucket (versioning, encryption, public access blocked) and the DynamoDB lock
    /// table of the backend block, when missing. Safe to run again.
    Bootstrap,
    /// Remove a state lock left by a run that was killed.
    ForceUnlock {
        /// The lock ID, as shown in the "state is locked" message.
        id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        force: bool,
    },
}

/// Parses a layer name.
pub fn parse_layer(s: &str) -> Result<Layer, String> {
    Layer::parse(s).ok_or_else(|| format!("there is no layer \"{s}\"; the layers are base and runtime"))
}

/// Parses `30s`, `5m`, `1h30m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(s).map_err(|e| format!("\"{s}\" is not a duration such as 30s or 5m: {e}"))
}

/// The shortest `--lock-lease`. The holder renews every third of a lease and stops writing state
/// two thirds of a lease after its last renewal, so a lease must leave room for a few round trips
/// to S3 or DynamoDB; 0s would make every lock stale at once. (The tests against the emulator use
/// 3s; real runs should keep minutes.)
pub const MIN_LOCK_LEASE: Duration = Duration::from_secs(3);

/// Parses `--lock-lease`: a duration of at least [`MIN_LOCK_LEASE`].
pub fn parse_lease(s: &str) -> Result<Duration, String> {
    let lease = parse_duration(s)?;
    if lease < MIN_LOCK_LEASE {
        return Err(format!(
            "a lock lease must be at least {}s: the holder renews its lock every third of the lease, and each renewal must reach the lock table or bucket well within that (the default is 3m)",
            MIN_LOCK_LEASE.as_secs()
        ));
    }
    Ok(lease)
}

/// Flags Terraform users write with one dash.
const TERRAFORM_FLAGS: &[&str] = &[
    "out",
    "var",
    "var-file",
    "auto-approve",
    "detailed-exitcode",
    "json",
    "destroy",
    "refresh",
    "parallelism",
    "lock-timeout",
    "no-color",
    "raw",
    "force",
    "layer",
    "backend-config",
];

/// Turns `-out=FILE`, `-var X`, `-auto-approve` into `--out=FILE`, `--var X`, `--auto-approve`.
pub fn normalize(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut rest = false;
    for (i, a) in args.into_iter().enumerate() {
        if i == 0 || rest {
            out.push(a);
            continue;
        }
        let Some(s) = a.to_str() else {
            out.push(a);
            continue;
        };
        if s == "--" {
            rest = true;
            out.push(a);
            continue;
        }
        let converted = s.strip_prefix('-').filter(|r| !r.starts_with('-')).and_then(|r| {
            let name = r.split('=').next().unwrap_or(r);
            TERRAFORM_FLAGS.contains(&name).then(|| OsString::from(format!("-{s}")))
        });
        out.push(converted.unwrap_or(a));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Cli {
        let args: Vec<OsString> = line.split_whitespace().map(OsString::from).collect();
        Cli::try_parse_from(normalize(args)).expect("parses")
    }

    #[test]
    fn terraform_style_flags_work() {
        let c = parse("provision plan -out=plan.bin -var a=1 --var b=2 -detailed-exitcode -C infra");
        assert_eq!(c.global.var, vec!["a=1", "b=2"]);
        assert_eq!(c.global.directory, Some(PathBuf::from("infra")));
        let Command::Plan(p) = c.command else { panic!("plan") };
        assert_eq!(p.out, Some(PathBuf::from("plan.bin")));
        assert!(p.detailed_exitcode);
        let c = parse("provision apply -auto-approve -lock-timeout=30s");
        let Command::Apply(a) = c.command else { panic!("apply") };
        assert!(a.auto_approve);
        assert_eq!(a.lock.lock_timeout, Duration::from_secs(30));
        let c = parse("provision plan -refresh=false");
        let Command::Plan(p) = c.command else { panic!("plan") };
        assert!(!p.refresh);
    }

    #[test]
    fn variables_keep_their_order() {
        let args: Vec<OsString> = "provision plan --var-file a.tfvars -var x=1 --var=y=2 -var-file=b.tfvars"
            .split_whitespace()
            .map(OsString::from)
            .collect();
        let got: Vec<String> = var_sources(&normalize(args))
            .into_iter()
            .map(|v| match v {
                provision_config::VarSource::Var(s) => format!("var {s}"),
                provision_config::VarSource::File(p) => format!("file {}", p.display()),
            })
            .collect();
        assert_eq!(got, vec!["file a.tfvars", "var x=1", "var y=2", "file b.tfvars"]);
    }

    #[test]
    fn short_flags_are_left_alone() {
        let c = parse("provision -vv validate");
        assert_eq!(c.global.verbose, 2);
    }
}
