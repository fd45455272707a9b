//! Check and run.
