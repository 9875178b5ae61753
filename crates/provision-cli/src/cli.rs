//! The command line as data (clap derive), and the translation of Terraform's single-dash long
//! flags (`-out=FILE`, `-var`, `-auto-approve`, `-target=ADDR`) into clap's double-dash ones.

use clap::{Args, CommandFactory as _, Parser, Subcommand};
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

/// The heading of the options every command takes, listed after the command's own.
const GLOBAL: &str = "Global options";

#[derive(Debug, Args)]
pub struct Global {
    /// Run in DIR: read its *.tf files; relative paths (state, -var-file, -out) start there.
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR", help_heading = GLOBAL)]
    pub directory: Option<PathBuf>,
    /// Set a variable: NAME=VALUE (repeatable).
    #[arg(long = "var", global = true, value_name = "NAME=VALUE", help_heading = GLOBAL)]
    pub var: Vec<String>,
    /// Read variables from a .tfvars (or .tfvars.json) file (repeatable).
    #[arg(long = "var-file", global = true, value_name = "FILE", help_heading = GLOBAL)]
    pub var_file: Vec<PathBuf>,
    /// More logging on stderr (-v: provision's decisions and AWS calls; -vv: everything). RUST_LOG overrides.
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,
    /// No colours (NO_COLOR is honoured too).
    #[arg(long = "no-color", global = true, help_heading = GLOBAL)]
    pub no_color: bool,
    /// Accepted for Terraform's scripts, only as -input=false: provision never prompts for
    /// variables (a missing one is an error), and with -input=false a confirmation it would ask
    /// for is an error too (use -auto-approve).
    #[arg(long = "input", global = true, value_name = "false", require_equals = true, value_parser = parse_input, help_heading = GLOBAL)]
    pub input: Option<bool>,
    /// Show warnings as one line each (their summary), without the detail.
    #[arg(long = "compact-warnings", global = true, help_heading = GLOBAL)]
    pub compact_warnings: bool,
    /// The environment: a separate state (and NAME.tfvars when present); `terraform.workspace`.
    #[arg(long = "env", global = true, env = "PROVISION_ENV", default_value = "default", value_name = "NAME", help_heading = GLOBAL)]
    pub env: String,
    /// Backend settings: KEY=VALUE, or a file of `key = "value"` lines (repeatable; later wins).
    #[arg(long = "backend-config", global = true, value_name = "KEY=VALUE|FILE", help_heading = GLOBAL)]
    pub backend_config: Vec<String>,
    /// How long a remote lock's holder may stay silent before the lock may be taken over (at
    /// least 3s; the holder renews every third of it).
    #[arg(long = "lock-lease", global = true, env = "PROVISION_LOCK_LEASE", default_value = "3m", value_parser = parse_lease, value_name = "DURATION", help_heading = GLOBAL)]
    pub lock_lease: Duration,
}

/// `-input=false` is accepted; `-input=true` asks for what provision never does.
pub fn parse_input(s: &str) -> Result<bool, String> {
    match s {
        "false" | "0" => Ok(false),
        "true" | "1" => Err("provision never prompts for variable values: give them with -var, -var-file, a .tfvars file or TF_VAR_NAME (a missing one is an error); use -input=false or leave the flag out".into()),
        other => Err(format!("\"{other}\" is not a boolean; only -input=false is accepted")),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prepare the directory. Nothing needs initialising today (no provider plugins to download,
    /// no modules yet): it checks that the configuration can be read and says so.
    Init(InitArgs),
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
    /// Show the state, or a plan saved with `plan -out FILE`, for people or (-json) for tools.
    Show(ShowArgs),
    /// Draw the stack as a diagram (Mermaid or Graphviz DOT): resources grouped by VPC, subnet
    /// tier, layer and module, edges from references. No AWS call unless --plan.
    Graph(GraphArgs),
    /// Estimate what the configuration costs a month, per resource and per layer, from the price
    /// table shipped with provision. No AWS call.
    Cost(CostArgs),
    /// Rewrite .tf and .tfvars files in the canonical format (Terraform's `fmt`), keeping comments.
    Fmt(FmtArgs),
    /// Adopt one existing object into the state at ADDRESS (the command-line form of an
    /// `import` block). ADDRESS must be declared in the configuration.
    Import(ImportArgs),
    /// Inspect the state, migrate a Terraform state, or clear a lock left by a killed run.
    #[command(subcommand)]
    State(StateCommand),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Where to record the object: a resource the configuration declares, with its instance key
    /// when it has count or for_each, e.g. aws_vpc.main or 'aws_subnet.private["a"]'.
    pub address: String,
    /// The object's id, as the resource type's page gives it (e.g. vpc-0a1b2c3d, a bucket's name).
    pub id: String,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args, Clone)]
pub struct LockArgs {
    /// Wait this long for a state lock held by another run (e.g. 30s, 5m).
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: Duration,
    /// Lock the state while the command runs (default true). -lock=false is for a local state
    /// nobody else uses; on a remote backend it is refused unless --force-no-lock.
    #[arg(long = "lock", value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub lock: bool,
    /// With -lock=false on a remote (S3) backend: run without the lock anyway, accepting that
    /// another run writing the state at the same time may lose its changes or this one's.
    #[arg(long = "force-no-lock")]
    pub force_no_lock: bool,
}

/// What to plan: -target and -replace (`plan`, `apply`).
#[derive(Debug, Args, Clone, Default)]
pub struct Targeting {
    /// Plan only this resource or instance and what it depends on (repeatable; with --destroy,
    /// it and what depends on it). For exceptional situations, as in Terraform.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Replace this instance even though nothing about it changed (repeatable).
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Only record what AWS reports (changes made outside provision) in the state; change
    /// nothing in AWS.
    #[arg(long = "refresh-only", conflicts_with = "replace")]
    pub refresh_only: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Resolve module versions again (the newest the `version` constraints allow) instead of
    /// keeping what .provision.modules.lock records.
    #[arg(long)]
    pub upgrade: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved with `provision plan -out FILE`; the state when omitted.
    pub plan_file: Option<PathBuf>,
    /// Print JSON in the shape of `terraform show -json` (sensitive values are left out).
    #[arg(long)]
    pub json: bool,
}

/// The text `provision graph` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart, for Markdown (GitHub renders it).
    Mermaid,
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The output format.
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: GraphFormat,
    /// Plan first (reads the state and AWS, as `provision plan`) and colour each resource by its
    /// planned action.
    #[arg(long)]
    pub plan: bool,
    /// Also draw the plumbing (route table associations, routes, rules, policy attachments,
    /// bucket settings, ...) and every data source.
    #[arg(long)]
    pub all: bool,
    /// With --plan: plan one layer only (`runtime` or `base`).
    #[arg(long, value_name = "LAYER", value_parser = parse_layer, requires = "plan")]
    pub layer: Option<Layer>,
    /// With --plan: read the current objects first (default true).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// When the runtime layer runs, e.g. "weekdays 08:00-20:00", "daily 07:00-19:00" or
    /// "mon-sat 08:00-18:00": shows what the nightly `destroy --layer runtime` saves a month.
    #[arg(long, value_name = "SCHEDULE")]
    pub schedule: Option<String>,
    /// Print the estimate as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or directories to format (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Change nothing; exit 3 when a file is not formatted (for CI), listing it.
    #[arg(long)]
    pub check: bool,
    /// Also format the directories below.
    #[arg(long)]
    pub recursive: bool,
    /// Show what would change, as a unified diff.
    #[arg(long)]
    pub diff: bool,
    /// List the files whose formatting changed (default true).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub list: bool,
    /// Write the formatted files back (default true; false with --check).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub write: bool,
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
    #[arg(long, value_name = "LAYER", value_parser = parse_layer, conflicts_with = "target")]
    pub layer: Option<Layer>,
    /// Read the current objects first (default true).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// How many reads may run at once (accepted for Terraform's scripts; a plan reads each
    /// type in one batched call).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    #[command(flatten)]
    pub targeting: Targeting,
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
    #[arg(long, value_name = "LAYER", value_parser = parse_layer, conflicts_with_all = ["plan_file", "target"])]
    pub layer: Option<Layer>,
    #[command(flatten)]
    pub targeting: Targeting,
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
    #[arg(long, value_name = "LAYER", value_parser = parse_layer, conflicts_with = "target")]
    pub layer: Option<Layer>,
    /// Destroy only this resource or instance and everything that depends on it (repeatable).
    /// For exceptional situations, as in Terraform.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// How many operations may run at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Read the current objects first (default true).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
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
        /// The state file to push, e.g. one written by `provision state pull > FILE`.
        file: PathBuf,
        /// Push even when FILE belongs to another stack or is older than the current state.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Forget the objects at ADDRESS (they stay in AWS). A resource address forgets every instance.
    Rm {
        /// One or more addresses: a resource (every instance) or one instance, e.g. aws_subnet.a[0].
        #[arg(required = true)]
        address: Vec<String>,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Move objects from one address to another (a renamed resource), without touching AWS.
    Mv {
        /// The address the objects have now: a resource, or one instance.
        from: String,
        /// The address they move to (same type).
        to: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Take over a stack Terraform manages: read its state (format 4; a file, or s3://BUCKET/KEY),
    /// check every object exists in AWS, and write provision's state. Terraform's state is only read.
    Migrate {
        /// The Terraform state to read: a file (terraform.tfstate), or the S3 backend's object as
        /// s3://BUCKET/KEY.
        #[arg(long = "from-terraform", value_name = "PATH_OR_S3_URL", required = true)]
        from_terraform: String,
        /// Migrate even though some objects have types provision does not support: they are
        /// listed and left out (they stay in AWS and in Terraform's state).
        #[arg(long = "allow-partial")]
        allow_partial: bool,
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

/// Every long option name of every command, from the clap command tree: Terraform users write
/// them with one dash.
fn long_names() -> std::collections::BTreeSet<String> {
    fn walk(c: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
        for a in c.get_arguments() {
            out.extend(a.get_long().map(str::to_string));
            out.extend(a.get_all_aliases().into_iter().flatten().map(str::to_string));
        }
        for s in c.get_subcommands() {
            walk(s, out);
        }
    }
    let mut out = std::collections::BTreeSet::new();
    let mut cmd = Cli::command();
    cmd.build();
    walk(&cmd, &mut out);
    out
}

/// Every short option letter of every command (`-C`, `-v`, `-h`, `-V`).
fn short_names() -> Vec<char> {
    fn walk(c: &clap::Command, out: &mut Vec<char>) {
        out.extend(c.get_arguments().filter_map(|a| a.get_short()));
        for s in c.get_subcommands() {
            walk(s, out);
        }
    }
    let mut out = vec![];
    let mut cmd = Cli::command();
    cmd.build();
    walk(&cmd, &mut out);
    out
}

/// Turns `-out=FILE`, `-var X`, `-auto-approve`, `-target=ADDR` into `--out=FILE`, `--var X`,
/// `--auto-approve`, `--target=ADDR`: any single-dash word that is a long option's name (before
/// an `=`). Short options (`-C`, `-vv`) and anything after `--` are left alone; an unknown
/// `-word` is left for clap to report.
pub fn normalize(args: Vec<OsString>) -> Vec<OsString> {
    let longs = long_names();
    let shorts = short_names();
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
            // A word that is no long option and does not start like a short one (`-bogus`) is
            // reported by clap as `--bogus`, with its suggestion of a close name, rather than
            // as an unknown `-b`.
            let unknown_word =
                name.len() > 1 && name.starts_with(|c: char| c.is_ascii_alphabetic() && !shorts.contains(&c));
            (longs.contains(name) || unknown_word).then(|| OsString::from(format!("-{s}")))
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
    fn every_long_option_works_with_one_dash_and_unknown_ones_do_not() {
        let c = parse(
            "provision plan -target=aws_vpc.a -target aws_subnet.b --target=aws_subnet.c -replace=aws_vpc.a -lock=false -input=false -compact-warnings -parallelism=3",
        );
        let Command::Plan(p) = c.command else { panic!("plan") };
        assert_eq!(p.targeting.target, vec!["aws_vpc.a", "aws_subnet.b", "aws_subnet.c"]);
        assert_eq!(p.targeting.replace, vec!["aws_vpc.a"]);
        assert!(!p.lock.lock);
        assert_eq!(p.parallelism, 3);
        assert_eq!(c.global.input, Some(false));
        assert!(c.global.compact_warnings);
        let c = parse("provision apply -refresh-only -auto-approve");
        let Command::Apply(a) = c.command else { panic!("apply") };
        assert!(a.targeting.refresh_only && a.auto_approve);
        let c = parse("provision show -json plan.bin");
        let Command::Show(s) = c.command else { panic!("show") };
        assert!(s.json && s.plan_file == Some(PathBuf::from("plan.bin")));
        let c = parse("provision fmt -check -recursive -diff");
        let Command::Fmt(f) = c.command else { panic!("fmt") };
        assert!(f.check && f.recursive && f.diff);
        let args: Vec<OsString> = ["provision", "plan", "-bogus"].iter().map(OsString::from).collect();
        let err = Cli::try_parse_from(normalize(args)).expect_err("unknown");
        assert!(err.to_string().contains("unexpected argument '--bogus'"), "{err}");
        let err =
            Cli::try_parse_from(normalize(["provision", "plan", "-taget=x"].iter().map(OsString::from).collect()))
                .expect_err("unknown");
        assert!(err.to_string().contains("similar argument exists: '--target'"), "{err}");
        let err =
            Cli::try_parse_from(normalize(["provision", "plan", "-input=true"].iter().map(OsString::from).collect()))
                .expect_err("refused");
        assert!(err.to_string().contains("never prompts"), "{err}");
    }

    /// Every option and argument of every command says what it does in `--help`.
    #[test]
    fn every_option_and_argument_has_help() {
        fn walk(c: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in c.get_arguments() {
                let id = a.get_id().as_str();
                if id != "help" && id != "version" && a.get_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for s in c.get_subcommands() {
                if s.get_about().is_none() && s.get_name() != "help" {
                    missing.push(format!("{path} {} (the command itself)", s.get_name()));
                }
                walk(s, &format!("{path} {}", s.get_name()), missing);
            }
        }
        let mut missing = vec![];
        let mut cmd = Cli::command();
        cmd.build();
        walk(&cmd, "provision", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
    }

    #[test]
    fn graph_flags_work_with_one_dash() {
        let c = parse("provision graph -format=dot -plan -layer=runtime -refresh=false -all");
        let Command::Graph(g) = c.command else { panic!("graph") };
        assert_eq!(g.format, GraphFormat::Dot);
        assert!(g.plan && g.all && !g.refresh);
        assert_eq!(g.layer, Some(Layer::Runtime));
        let c = parse("provision graph");
        let Command::Graph(g) = c.command else { panic!("graph") };
        assert_eq!(g.format, GraphFormat::Mermaid);
        assert!(!g.plan && !g.all);
    }

    #[test]
    fn short_flags_are_left_alone() {
        let c = parse("provision -vv validate");
        assert_eq!(c.global.verbose, 2);
    }
}
