//! End-to-end tests of the `yibao` command: real data imports, CLI errors, the demo, the
//! browser test of the console, and the tidy checks of the architecture invariants.

mod browser;
mod browser_cases;
mod browser_counter;
mod browser_search;
mod cli;
mod coverage;
mod plan_windows;
mod qa;
mod regions;
mod support;
mod tidy;
