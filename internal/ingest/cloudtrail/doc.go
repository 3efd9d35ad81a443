// Package cloudtrail reads the CloudTrail log files a trail delivers to an
// S3 bucket, for AWS Secrets Manager decoys:
//
//	{bucket}/[{prefix}/]AWSLogs/{account}/CloudTrail/{region}/YYYY/MM/DD/{account}_CloudTrail_{region}_{YYYYMMDDTHHmmZ}_{16 chars}.json.gz
//
// (an organisation trail puts AWSLogs/{o-id}/{account}/… instead). Each is
// gzip of one {"Records":[...]} document, written whole and never changed.
//
// Each poll lists the keys under {prefix}/AWSLogs/ and reads every log
// file it has not read — whatever its name says about time: records are
// unordered within and across files, and a file may arrive minutes after
// files named later. What was read is checkpointed by key (with the
// object's ETag, so a rewritten object is read again), in the same
// transaction as its records; checkpoints of keys no longer listed (a
// lifecycle rule expired them) are forgotten. Digest and Insights files are
// skipped. A file that cannot be decompressed or parsed is dead-lettered
// once and marked read.
//
// The source lists the whole prefix each poll (1,000 keys a request): a
// lifecycle rule that expires old log files, or a trail prefix of its own,
// keeps that short. MaxAge skips files older than it, but they are still
// listed.
package cloudtrail
