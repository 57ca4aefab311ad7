//! flows
use super::*;
