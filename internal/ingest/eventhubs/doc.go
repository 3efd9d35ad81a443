// Package eventhubs consumes Key Vault audit records from Azure Event Hubs
// through its Kafka endpoint (franz-go), or from any Kafka topic.
//
// Diagnostic settings send each batch of records as one event whose body
// is {"records":[...]} to the hub insights-logs-auditevent (unless the
// setting names another). Event Hubs speaks Kafka on
// NAMESPACE.servicebus.windows.net:9093 over TLS with SASL PLAIN: user
// "$ConnectionString", password the connection string (not on the Basic
// tier). The consumer group defaults to $Default.
//
// Offsets are committed by hand, only after the records they cover are
// durably stored (Submit returned nil): a crash or a failed commit means
// redelivery, which dedupe absorbs, never loss. Polling blocks rebalances
// until the records polled are stored and committed; records polled but
// not yet stored when their partition is revoked are dropped (the
// partition's new owner reads them from the last commit), and stored
// records whose commit failed are committed in the revocation callback.
package eventhubs
