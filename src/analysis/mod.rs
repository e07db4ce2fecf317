//! Figures and explanations computed from the model. Pure.

pub mod catalogue;
pub mod explain;
pub mod ladder;
pub mod replay;
pub mod stats;
