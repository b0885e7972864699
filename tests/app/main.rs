//! The integration tests, one binary: each module drives the whole app (or
//! the command line) the way a member or a host would. Shared helpers live
//! in [`common`].

mod accounts;
mod accounts_safety;
mod browser;
mod budget;
mod cli;
mod cli_lab;
mod cli_sim;
mod common;
mod interview;
mod lab;
mod members;
mod notes;
mod notes_access;
mod notes_io;
mod notes_safety;
mod pages;
mod peer_review;
mod practice;
mod practice_lessons;
mod practice_resume;
mod practice_sim;
mod sim;
mod sim_formats;
mod sim_upload;
mod time_zone;
