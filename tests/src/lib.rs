//! Integration journeys live in `tests/`.
