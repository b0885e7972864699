//! The integration tests, one binary: each module drives the whole app (or
//! the command line) the way a member or a host would. Shared helpers live
//! in [`common`].

mod accounts;
mod accounts_safety;
mod accounts_tokens;
mod browser;
mod budget;
mod budget_rows;
mod cli;
mod cli_lab;
mod cli_send;
mod cli_sim;
mod common;
mod crash;
mod interview;
mod lab;
mod lab_mine;
mod members;
mod notes;
mod notes_access;
mod notes_io;
mod notes_quota;
mod notes_safety;
mod otlp;
mod otlp_cli;
mod otlp_grpc;
mod otlp_pages;
mod otlp_search;
mod pages;
mod peer_review;
mod practice;
mod practice_lessons;
mod practice_resume;
mod practice_sim;
mod python_sdk;
mod sim;
mod sim_formats;
mod sim_upload;
mod storage;
mod time_zone;
