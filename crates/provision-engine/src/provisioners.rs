//! Runs `local-exec` provisioners, with Terraform's semantics: creation-time ones after a create
//! succeeds (the object is recorded tainted while they run, so a failure or a crash has it
//! replaced by the next apply), destroy-time ones before the delete (a failure stops the delete),
//! never on an update; in the order written; `on_failure = continue` makes a failure a warning.

use crate::{Event, Reporter};
use provision_config::{InstanceCtx, ResourceBlock, Scope, eval_with_self};
use provision_core::{Address, Attrs, Value};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, BufReader};

/// One provisioner, evaluated and ready to run.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Its place among the resource's provisioners (1-based), for messages.
    pub number: usize,
    pub command: String,
    pub working_dir: Option<String>,
    pub interpreter: Vec<String>,
    pub environment: Vec<(String, String)>,
    /// The command is not echoed (`quiet`), and neither is anything when the configuration is
    /// sensitive.
    pub quiet: bool,
    /// Something the command was built from is sensitive: its output is not shown.
    pub sensitive: bool,
    pub continue_on_failure: bool,
}

/// Whether the block has provisioners that run at this moment.
pub(crate) fn any(block: &ResourceBlock, destroy: bool) -> bool {
    block.provisioners.iter().any(|p| p.destroy == destroy)
}

fn text(v: &Value, what: &str) -> Result<String, String> {
    match v.unmarked() {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(Value::Number(*n).to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Unknown => Err(format!("{what} is not known")),
        other => Err(format!("{what} must be a string, not {}", other.type_name())),
    }
}

/// The provisioners of `block` that run at this moment (creation time, or destroy time), their
/// arguments evaluated with `self` being `this`.
pub(crate) fn prepare(
    block: &ResourceBlock,
    address: &Address,
    destroy: bool,
    scope: &Scope,
    ctx: &InstanceCtx,
    this: &Attrs,
) -> Result<Vec<Run>, String> {
    let this = Value::Map(this.clone());
    let mut runs = vec![];
    for (i, p) in block.provisioners.iter().enumerate().filter(|(_, p)| p.destroy == destroy) {
        let number = i + 1;
        let what = |arg: &str| format!("`{arg}` of provisioner \"{}\" #{number} of {address}", p.kind);
        let mut sensitive = false;
        let mut get = |arg: &str| -> Result<Option<Value>, String> {
            let Some(e) = p.body.attrs.get(arg) else { return Ok(None) };
            let v = eval_with_self(e, scope, ctx, &this).map_err(|d| format!("{}: {}", what(arg), d.summary))?;
            sensitive |= v.contains_sensitive();
            Ok(Some(v))
        };
        let command = match get("command")? {
            Some(v) => text(&v, &what("command"))?,
            None => return Err(format!("{} is missing", what("command"))),
        };
        let working_dir = get("working_dir")?.filter(|v| !v.unmarked().is_null());
        let working_dir = working_dir.map(|v| text(&v, &what("working_dir"))).transpose()?;
        let interpreter = match get("interpreter")? {
            None => vec!["/bin/sh".to_string(), "-c".to_string()],
            Some(v) => match v.unmarked() {
                Value::Null => vec!["/bin/sh".to_string(), "-c".to_string()],
                Value::List(items) if !items.is_empty() => {
                    items.iter().map(|x| text(x, &what("interpreter"))).collect::<Result<_, _>>()?
                }
                _ => return Err(format!("{} must be a non-empty list of strings", what("interpreter"))),
            },
        };
        let environment = match get("environment")? {
            None => vec![],
            Some(v) => match v.unmarked() {
                Value::Null => vec![],
                Value::Map(m) => m
                    .iter()
                    .map(|(k, x)| Ok((k.clone(), text(x, &format!("{}[\"{k}\"]", what("environment")))?)))
                    .collect::<Result<_, String>>()?,
                _ => return Err(format!("{} must be a map of strings", what("environment"))),
            },
        };
        let quiet = match get("quiet")? {
            None => false,
            Some(v) => match v.unmarked() {
                Value::Null => false,
                Value::Bool(b) => *b,
                _ => return Err(format!("{} must be true or false", what("quiet"))),
            },
        };
        runs.push(Run {
            number,
            command,
            working_dir,
            interpreter,
            environment,
            quiet: quiet || sensitive,
            sensitive,
            continue_on_failure: p.continue_on_failure,
        });
    }
    Ok(runs)
}

/// Runs the provisioners in order. A failure of one with `on_failure = continue` is a warning
/// and the next one runs; any other failure stops here and is returned.
pub(crate) async fn run_all(address: &Address, runs: &[Run], reporter: &Arc<dyn Reporter>) -> Result<(), String> {
    for r in runs {
        if let Err(e) = run_one(address, r, reporter).await {
            let message = format!("provisioner \"local-exec\" #{} of {address} failed: {e}", r.number);
            if r.continue_on_failure {
                reporter.report(Event::Warning(format!("{message} (on_failure = continue: the apply goes on)")));
            } else {
                return Err(message);
            }
        }
    }
    Ok(())
}

async fn run_one(address: &Address, r: &Run, reporter: &Arc<dyn Reporter>) -> Result<(), String> {
    let say = |line: String| reporter.report(Event::ProvisionerOutput { address: address.clone(), line });
    if r.sensitive {
        say("(output suppressed due to sensitive value in config)".to_string());
    } else if r.quiet {
        say("Suppressed by quiet=true".to_string());
    } else {
        say(format!("Executing: {:?}", r.interpreter.iter().chain(std::iter::once(&r.command)).collect::<Vec<_>>()));
    }
    let (program, args) = r.interpreter.split_first().ok_or("the interpreter is empty")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).arg(&r.command).envs(r.environment.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = &r.working_dir {
        cmd.current_dir(dir);
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        let dir = r.working_dir.as_deref().map(|d| format!(" in {d}")).unwrap_or_default();
        format!("cannot start {program}{dir}: {e}")
    })?;
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let last: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(vec![]);
    let show = |line: String| {
        if r.sensitive {
            return;
        }
        say(line.clone());
        let mut l = last.lock().unwrap_or_else(|p| p.into_inner());
        l.push(line);
        if l.len() > 5 {
            l.remove(0);
        }
    };
    let read = |pipe: Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>| async {
        if let Some(pipe) = pipe {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                show(line);
            }
        }
    };
    let out = out.map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>);
    let err = err.map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>);
    let (_, _, status) = tokio::join!(read(out), read(err), child.wait());
    let status = status.map_err(|e| format!("waiting for the command failed: {e}"))?;
    if status.success() {
        return Ok(());
    }
    let code =
        status.code().map_or_else(|| "was killed by a signal".to_string(), |c| format!("exited with status {c}"));
    let last = last.lock().unwrap_or_else(|p| p.into_inner()).join("\n");
    let shown = if r.quiet { String::new() } else { format!("`{}` ", r.command) };
    Err(if last.is_empty() || r.sensitive {
        format!("the command {shown}{code}")
    } else {
        format!("the command {shown}{code}; its last output:\n{last}")
    })
}
