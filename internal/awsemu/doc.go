// Package awsemu is an AWS Secrets Manager emulator with CloudTrail
// delivery that the unchanged aws-sdk-go-v2 talks to, in the spirit of
// kvemu for Key Vault: an independent oracle for honeyvault's CloudTrail
// parser and detection, built from the public facts in
// shared/reference/vault-and-aws.md §3–§6, never from the parser's code
// (the import-boundary test keeps it so).
//
// # Serving
//
// One HTTPS listener on 127.0.0.1 (a generated CA: [Emulator.CACertPEM],
// or [Emulator.HTTPClient]) serves Secrets Manager's JSON 1.1 protocol,
// POST / with X-Amz-Target "secretsmanager.{Operation}", for one account
// ([Options.AccountID]) in several regions ([Options.Regions]); the region
// of a call is its SigV4 credential scope's. With the SDK:
//
//	cfg, _ := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
//		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)),
//		config.WithCustomCABundle(bytes.NewReader(e.CACertPEM())))
//	sm := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(e.URL()) })
//
// (config.WithHTTPClient(e.HTTPClient()) works too, unless AWS_CA_BUNDLE
// is set: the SDK then refuses a client it cannot add that bundle to.)
//
// Operations: CreateSecret, GetSecretValue, BatchGetSecretValue,
// DescribeSecret, ListSecrets, ListSecretVersionIds, PutSecretValue,
// UpdateSecret, DeleteSecret, RestoreSecret, TagResource and
// UntagResource, with staging labels (AWSCURRENT, AWSPREVIOUS),
// ClientRequestToken idempotency, recovery windows that end by the
// emulator's clock ([Options.Now]), MaxResults/NextToken paging and the
// filters name, tag-key, tag-value, description and all. A SecretId is a
// name, a full ARN (arn:aws:secretsmanager:{region}:{account}:secret:{name}-{6
// random characters}) or a partial ARN without the suffix. Errors are
// AWS's: HTTP 400 with X-Amzn-ErrorType and {"__type","message"}, e.g.
// ResourceNotFoundException "Secrets Manager can't find the specified
// secret." and InvalidRequestException for reads of a secret marked for
// deletion.
//
// Secret names are case-sensitive: "Prod/DB" and "prod/db" are two
// secrets, and a SecretId must match a name exactly. What the AWS
// documentation says (found with the docs search): the API reference's
// Filter type, "name: Prefix match, case-sensitive"
// (docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html),
// and the user guide's "Find secrets" page, "Name: Matches the beginning
// of secret names; case-sensitive. For example, Name: Data returns a
// secret named DatabaseSecret, but not databaseSecret"
// (docs.aws.amazon.com/secretsmanager/latest/userguide/manage_search-secret.html).
// No page found says outright whether two names differing only in case
// may coexist; the emulator follows the documented case-sensitive
// matching and keeps them apart. Tag keys and values are case-sensitive
// by the same Filter page; the description filter and "all" are not. A
// secret created again after its deletion gets a new ARN suffix, as the
// user guide's "What's in a secret" page says.
//
// # Identity
//
// Requests are verified with SigV4 for real (the HMAC chain over the
// canonical request). [Emulator.PutUser] and [Emulator.PutRole] make IAM
// users and roles, each with a small identity-based [Policy] (Allow and
// Deny statements of action globs such as "secretsmanager:Get*" and
// resource ARN globs); [Emulator.NewAccessKey] issues a user's AKIA key,
// [Emulator.AssumeRole] a role session's ASIA key and session token. An
// unknown key is UnrecognizedClientException, a wrong signature
// InvalidSignatureException, a call the policy does not allow
// AccessDeniedException "User: {arn} is not authorized to perform:
// secretsmanager:{Action} on resource: {SecretId as sent} because no
// identity-based policy allows the secretsmanager:{Action} action".
//
// # CloudTrail
//
// Every call that names a served region in its credential scope, allowed
// or not, makes one CloudTrail record (eventVersion 1.11) with
// userIdentity (IAMUser, or AssumedRole with sessionContext and
// sessionIssuer), eventTime, eventSource secretsmanager.amazonaws.com,
// eventName, awsRegion, sourceIPAddress (the caller's address), userAgent
// (the SDK's), errorCode and errorMessage on failure, requestParameters
// as sent but camelCased (secretId as the caller wrote it, never a secret
// value), responseElements (null for reads and failures, {arn, name, ...}
// for writes, "aRN" with [Options.LegacyARNSpelling] as before February
// 2024), requestID (also the X-Amzn-RequestId header), eventID,
// readOnly, eventType AwsApiCall, managementEvent true,
// recipientAccountId, eventCategory Management and tlsDetails.
// BatchGetSecretValue also makes one GetSecretValue record per secret it
// reads or is refused. Records go to every [Sink] added with
// [Emulator.AddSink]: [MemorySink]; [LogFileSink] writing gzip
// {"Records":[...]} files under CloudTrail's S3 keys ([LogFileKey]) to a
// directory ([NewDirSink]) or an S3 bucket (package s3sink, so the
// emulator links no S3 client); and [EventBridgeSink], which POSTs each
// record in an EventBridge event envelope to an API destination with its
// API-key header, read-only events only in the rule state
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS. [Emulator.Flush] waits
// for delivery and writes out partial log files.
//
// # Not emulated, or guessed
//
// Not emulated: rotation (and its AwsServiceEvent records), replication,
// resource policies, KMS (KmsKeyId is stored, never used), GetRandomPassword,
// SigV4 query-string (presigned) and chunked signing, request-time skew
// checks, throttling, the "all" filter's word splitting, service-linked
// secrets and the resources field of records (no verified Secrets Manager
// sample has one). Guessed where the reference says nothing (§6): a
// denied call's errorMessage repeats the API's message, while its
// errorCode is "AccessDenied" as in the one public sample; a call whose
// key is unknown or whose signature is wrong is recorded with
// userIdentity {"type":"Unknown","accessKeyId":...}; error bodies spell
// "message" in lower case; BatchGetSecretValue's per-secret records share
// the batch's requestID; responseElements are the API's answer camelCased,
// so DeleteSecret's deletionDate is epoch seconds there too.
//
// All methods of [Emulator] are safe for concurrent use.
package awsemu
