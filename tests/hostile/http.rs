//! See main.rs. (filled in by the http work)
