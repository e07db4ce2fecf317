//! See main.rs. (filled in by the tcp work)
