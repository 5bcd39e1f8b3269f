//! heron
