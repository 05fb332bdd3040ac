// The node's HTTP contract: one zod schema per request and response of every route, read by the
// server (validation), the OpenAPI document and the SDK (types). Browser-safe.
export {}
