//! The dose notation.
