//! Lambda entry point: configuration read, the DynamoDB store and the bucket's client built
//! once, then the shared handler.

tutorbridge_lambda::serve!(privacy::Privacy, files);
