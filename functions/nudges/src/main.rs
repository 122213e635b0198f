//! Lambda entry point: configuration read and clients built once, then the shared handler.

tutorbridge_lambda::serve!(nudges::Nudges);
