//! faults
use super::*;
