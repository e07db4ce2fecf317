//! See main.rs. (filled in by the tunnel work)
