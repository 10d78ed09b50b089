//! Integration tests: one module per area, in one test binary (one link).

mod webhooks;
