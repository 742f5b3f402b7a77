//! Re-running one test of the current test binary in a child process (for what a test cannot
//! undo in its own process: a loaded library, process-wide settings, an environment).
//! Included with `#[path]`, as `memory_limit.rs` is.

#![allow(dead_code)]

use std::process::Command;

/// A command that runs `test` of this test binary alone, with `var` set to `test`: the cue
/// that tells the child it is the child. Add to it what the child needs (environment, working
/// directory), then run it with [`output`].
pub fn command(test: &str, var: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary's path"));
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(var, test);
    cmd
}

/// Runs `cmd` (from [`command`] for `test`) and returns what it printed, stdout then stderr;
/// fails the test, with that output, unless the child passed and printed `done` (a marker
/// its test prints at its end, or the harness's "1 passed").
pub fn output(mut cmd: Command, test: &str, done: &str) -> String {
    let out = cmd.output().expect("the child runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child `{test}` failed:\n{text}");
    assert!(
        text.contains(done),
        "child `{test}` did not get to `{done}`:\n{text}"
    );
    text
}
