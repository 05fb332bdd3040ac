// Server: HTTP API and web UI: health, publishing (uploads, job status, progress events).
export { createApp } from './create-app.js'
export type { AppComponents, HealthReport, ServiceHealth } from './create-app.js'
export { createErrorHandler } from './http-errors.js'
export { publishingRoutes, UploadTooLargeError, ValidationError } from './publishing-routes.js'
export type { PublishingApi } from './publishing-routes.js'
