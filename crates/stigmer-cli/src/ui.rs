//! Everything written to stderr for people: notes, warnings, errors and
//! spinners. Results never go through here: they go to stdout.

use std::io::IsTerminal;
use std::time::Duration;

use console::style;
use indicatif::{ProgressBar, ProgressStyle};

/// Turns colours off for `--no-color`, `NO_COLOR` or a non-terminal stderr.
pub fn init_colors(no_color_flag: bool) {
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if no_color_flag || no_color_env {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}

pub fn success(message: impl std::fmt::Display) {
    eprintln!("{} {message}", style("✓").green());
}

pub fn note(message: impl std::fmt::Display) {
    eprintln!("{message}");
}

pub fn warning(message: impl std::fmt::Display) {
    eprintln!("{} {message}", style("warning:").yellow().bold());
}

pub fn error(message: impl std::fmt::Display) {
    eprintln!("{} {message}", style("error:").red().bold());
}

/// A spinner with elapsed time on stderr; invisible when stderr is not a
/// terminal, so logs and pipes stay clean.
pub fn spinner(message: impl Into<String>) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed:.dim}") {
        bar.set_style(style);
    }
    bar.set_message(message.into());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}
