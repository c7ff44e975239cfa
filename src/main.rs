//! The `release-action` binary: capture the environment, run, exit with the contract's code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let env = release_action::app::RunEnv::from_process();
    release_action::runner::run(std::env::args_os().collect(), &env)
}
