//! See main.rs. (filled in by the content work)
