//! Cranelift backend
