//! Protocol files.
