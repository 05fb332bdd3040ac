// Server: HTTP API and web UI. Later issues add the catalog, key release and SSE.
export { createApp } from './create-app.js'
export type { AppComponents, HealthReport, ServiceHealth } from './create-app.js'
export { createErrorHandler } from './http-errors.js'
