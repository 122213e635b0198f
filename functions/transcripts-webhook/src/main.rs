//! Lambda entry point: configuration read, the DynamoDB store and the bucket's client built
//! once (transcripts are kept before anything else), then the shared handler.

tutorbridge_lambda::serve!(transcripts_webhook::TranscriptsWebhook, files);
