//! Figures and explanations computed from the model. Pure.

pub mod explain;
