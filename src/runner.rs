//! The thin layer between the process and the use cases: parse arguments (or Action inputs),
//! dispatch, then render the outcome to stdout, stderr, `GITHUB_OUTPUT` and
//! `GITHUB_STEP_SUMMARY`, and choose the exit code.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::adapters::actions::{
    append_file, render_annotation, render_framed, render_inert, render_mask, render_outputs,
};
use crate::app::{self, notes::NotesRequest, promote::PromoteRequest, Outcome, RunEnv, Stop};
use crate::cli::{action_argv, Cli, CliCommand};
use crate::report::{render_diagnostic, render_findings_markdown};

/// Exit codes of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Success = 0,
    /// The gate said no.
    Findings = 1,
    /// Bad usage or configuration.
    Usage = 2,
    /// GitHub or I/O failure.
    Failure = 3,
}

impl RunEnv {
    /// Captures the process environment.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir().unwrap_or_default();
        let now = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
        Self { vars, cwd, now }
    }
}

/// Runs the program with `args` in `env` and returns the exit code.
pub fn run(args: Vec<OsString>, env: &RunEnv) -> ExitCode {
    let stdout_is_file = is_regular_file(&std::io::stdout());
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let mut err = Stderr {
        sink: &mut stderr,
        on_actions: env.on_actions(),
    };
    let code = run_with(args, env, &mut stdout, &mut err, stdout_is_file);
    ExitCode::from(code as u8)
}

/// Whether `stream` is a regular file (`notes > notes.md`), which no runner reads.
#[cfg(unix)]
fn is_regular_file(stream: &impl std::os::fd::AsFd) -> bool {
    stream
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|file| file.metadata())
        .is_ok_and(|meta| meta.is_file())
}

/// Whether `stream` is a regular file; unknown off Unix, so the runner is assumed to read it.
#[cfg(not(unix))]
fn is_regular_file<T>(_stream: &T) -> bool {
    false
}

/// Stderr for humans. On a runner every line that could read as a workflow command is quoted
/// ([`render_inert`]): the runner parses stderr for commands as it does stdout, and messages
/// carry repository text (paths, quoted lines, GitHub's response bodies, argument values).
struct Stderr<'a> {
    sink: &'a mut dyn Write,
    on_actions: bool,
}

impl Stderr<'_> {
    /// Writes `text` as it is locally, made inert on a runner.
    fn write(&mut self, text: &str) {
        let _ = if self.on_actions {
            self.sink.write_all(render_inert(text).as_bytes())
        } else {
            self.sink.write_all(text.as_bytes())
        };
    }

    /// Writes `text` and a newline.
    fn line(&mut self, text: &str) {
        self.write(&format!("{text}\n"));
    }
}

fn run_with(
    args: Vec<OsString>,
    env: &RunEnv,
    stdout: &mut dyn Write,
    stderr: &mut Stderr<'_>,
    stdout_is_file: bool,
) -> Exit {
    let cli = match Cli::try_parse_from(&args) {
        Ok(Cli {
            command: CliCommand::Action,
        }) => match action_argv(|k| env.vars.get(k).cloned()) {
            Ok(argv) => match Cli::try_parse_from(argv) {
                Ok(cli) => cli,
                Err(e) => return usage(env, stdout, stderr, &e.to_string(), &[]),
            },
            Err(message) => return usage(env, stdout, stderr, &message, &[]),
        },
        Ok(cli) => cli,
        Err(e) => {
            let is_info = matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            );
            if is_info {
                let _ = write!(stdout, "{e}");
            } else {
                stderr.write(&e.to_string());
            }
            return if is_info { Exit::Success } else { Exit::Usage };
        }
    };
    if env.on_actions() {
        let secrets = ["INPUT_GITHUB-TOKEN", "GITHUB_TOKEN"]
            .into_iter()
            .chain(app::gate::SECRET_VARS);
        for name in secrets {
            if let Some(token) = env.var(name) {
                let _ = writeln!(stdout, "{}", render_mask(token));
            }
        }
    }
    let dispatched = {
        let mut progress = |line: &str| stderr.line(line);
        dispatch(&cli.command, env, &mut progress)
    };
    let (mut outcome, exit) = match dispatched {
        Ok(outcome) => (outcome, Exit::Success),
        Err(Stop::Findings(outcome)) => (*outcome, Exit::Findings),
        Err(stop) => return stopped(env, stdout, stderr, stop),
    };
    if !env.on_actions() {
        if let Some(common) = cli.command.common() {
            app::workspace::attach_sources(&common.request(), env, &mut outcome.diagnostics);
        }
    }
    finish(env, stdout, stderr, stdout_is_file, outcome, exit)
}

/// Reports a command that stopped without an outcome: bad usage (exit 2), a failure (exit 3),
/// or a bug of ours (exit 3, asking for a report).
fn stopped(env: &RunEnv, stdout: &mut dyn Write, stderr: &mut Stderr<'_>, stop: Stop) -> Exit {
    match stop {
        Stop::Findings(_) => Exit::Findings,
        Stop::Usage(message) => usage(env, stdout, stderr, &message, &[]),
        Stop::UsageHelp { message, help } => usage(env, stdout, stderr, &message, &help),
        Stop::Bug(message) => {
            let message = format!("{message}\n  = note: this is a bug in release-action, not in your files, and nothing was written; please report it with the file and the command that showed it");
            if env.on_actions() {
                let _ = writeln!(
                    stdout,
                    "::error title=release-action bug::{}",
                    crate::adapters::actions::escape_data(&message)
                );
            }
            stderr.line(&format!("error: {message}"));
            Exit::Failure
        }
        Stop::Failure(e) => {
            let mut message = format!("{e:#}");
            let help = e
                .chain()
                .find_map(|c| c.downcast_ref::<crate::adapters::github::GitHubError>())
                .and_then(crate::adapters::github::GitHubError::help);
            if let Some(help) = help {
                message.push_str(&format!("\n  = help: {help}"));
            }
            if env.on_actions() {
                let _ = writeln!(
                    stdout,
                    "::error title=release-action::{}",
                    crate::adapters::actions::escape_data(&message)
                );
            }
            stderr.line(&format!("error: {message}"));
            Exit::Failure
        }
    }
}

/// Runs the command; `progress` receives the lines a long-running command prints as it goes.
fn dispatch(
    command: &CliCommand,
    env: &RunEnv,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, Stop> {
    match command {
        CliCommand::Gate { common, gate } => {
            app::gate::run_gate(&common.request(), &gate.request(), env, progress)
        }
        CliCommand::ValidateTag { common, tag } => {
            app::run_validate_tag(&common.request(), tag.as_deref(), env)
        }
        CliCommand::Release { common, tag, draft } => {
            app::run_release(&common.request(), tag.as_deref(), *draft, env)
        }
        CliCommand::Init {
            common,
            dry_run,
            workflows,
        } => app::init::run_init(
            &common.request(),
            app::init::InitRequest {
                dry_run: *dry_run,
                workflows: *workflows,
            },
            env,
        ),
        CliCommand::Check { common, base, all } => app::run_check(
            &common.request(),
            &app::check::CheckRequest {
                base: base.clone(),
                all: *all,
            },
            env,
        ),
        CliCommand::Notes {
            common,
            tag,
            component,
            changelog,
            version,
        } => app::run_notes(
            &common.request(),
            &NotesRequest {
                tag: tag.as_deref(),
                component: component.as_ref(),
                changelog: changelog.as_deref(),
                version: version.as_deref(),
            },
            env,
        ),
        CliCommand::Promote {
            common,
            chart,
            from,
            to,
            version,
            bump,
            dry_run,
            local,
        } => app::run_promote(
            &common.request(),
            &PromoteRequest {
                chart: chart.clone(),
                from: from.clone(),
                to: to.clone(),
                version: version.clone(),
                bump: bump.map(Into::into),
                dry_run: *dry_run,
                local: *local,
            },
            env,
        ),
        CliCommand::Bom {
            common,
            env: target,
            component,
            image,
            tag,
            digest,
            dry_run,
            local,
        } => app::bom::run_bom(
            &common.request(),
            &app::bom::BomRequest {
                env: target.clone(),
                component: component.clone(),
                image: image.clone(),
                tag: tag.clone(),
                digest: digest.clone(),
                dry_run: *dry_run,
                local: *local,
            },
            env,
        ),
        CliCommand::Snapshot {
            common,
            id,
            env: target,
            param,
            dry_run,
            local,
        } => app::snapshot::run_snapshot(
            &common.request(),
            &app::snapshot::SnapshotRequest {
                id: id.clone(),
                env: target.clone(),
                params: param.clone(),
                dry_run: *dry_run,
                local: *local,
            },
            env,
        ),
        CliCommand::Rollback {
            common,
            env: target,
            chart,
            to,
            reason,
            dry_run,
            local,
        } => app::rollback::run_rollback(
            &common.request(),
            &app::rollback::RollbackRequest {
                env: target.clone(),
                chart: chart.clone(),
                to: to
                    .clone()
                    .unwrap_or(crate::domain::rollback::Target::Previous),
                reason: reason.clone(),
                dry_run: *dry_run,
                local: *local,
            },
            env,
        ),
        CliCommand::Report {
            common,
            since,
            format,
            local,
        } => app::report::run_report(
            &common.request(),
            &app::report::ReportRequest {
                since_days: *since,
                format: (*format).into(),
                local: *local,
            },
            env,
        ),
        CliCommand::Action => Err(Stop::Usage("`action` cannot be nested".into())),
    }
}

fn usage(
    env: &RunEnv,
    stdout: &mut dyn Write,
    stderr: &mut Stderr<'_>,
    message: &str,
    help: &[String],
) -> Exit {
    let message = &std::iter::once(message.to_owned())
        .chain(help.iter().map(|h| format!("  = help: {h}")))
        .collect::<Vec<_>>()
        .join("\n");
    if env.on_actions() {
        let _ = writeln!(
            stdout,
            "::error title=release-action usage::{}",
            crate::adapters::actions::escape_data(message)
        );
    }
    stderr.line(&format!("error: {message}"));
    if let Some(path) = env.var("GITHUB_STEP_SUMMARY") {
        let _ = append_file(
            Path::new(path),
            &format!("## release-action: usage error\n\n```text\n{message}\n```\n"),
        );
    }
    Exit::Usage
}

fn finish(
    env: &RunEnv,
    stdout: &mut dyn Write,
    stderr: &mut Stderr<'_>,
    stdout_is_file: bool,
    outcome: Outcome,
    exit: Exit,
) -> Exit {
    for d in &outcome.diagnostics {
        if env.on_actions() {
            let _ = writeln!(stdout, "{}", render_annotation(d));
        } else {
            stderr.write(&render_diagnostic(d));
        }
    }
    for line in &outcome.log {
        stderr.line(line);
    }
    if !outcome.stdout.is_empty() {
        // NOTE: on a runner, stdout is its command channel, and notes, diffs and PR bodies
        // are the repository's text: frame them so that nothing in them is a workflow command.
        // Locally, or redirected to a file the runner never reads, the bytes stay as they are.
        let data = if env.on_actions() && !stdout_is_file {
            render_framed(&outcome.stdout)
        } else {
            outcome.stdout
        };
        if let Err(e) = stdout.write_all(data.as_bytes()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return Exit::Failure;
            }
        }
    }
    let mut exit = exit;
    if let Some(path) = env.var("GITHUB_OUTPUT") {
        let written = render_outputs(&outcome.outputs)
            .map_err(std::io::Error::other)
            .and_then(|text| append_file(Path::new(path), &text));
        if let Err(e) = written {
            stderr.line(&format!(
                "error: failed to write step outputs to `{path}`: {e}"
            ));
            exit = Exit::Failure;
        }
    }
    if let Some(path) = env.var("GITHUB_STEP_SUMMARY") {
        let mut md = outcome.summary.clone();
        md.push_str(&render_findings_markdown(&outcome.diagnostics));
        if !md.is_empty() {
            if let Err(e) = append_file(Path::new(path), &format!("{md}\n")) {
                stderr.line(&format!(
                    "error: failed to write the job summary to `{path}`: {e}"
                ));
                exit = Exit::Failure;
            }
        }
    }
    exit
}
