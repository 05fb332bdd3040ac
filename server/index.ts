// Server: HTTP API and web UI: health, publishing (uploads, job status, progress events).
export { createApp } from './create-app.js'
export type { AppComponents, HealthReport, ServiceHealth } from './create-app.js'
export { createErrorHandler } from './http-errors.js'
export { deviceRoutes, DeviceOwnedError } from './device-routes.js'
export type { DevicesApi } from './device-routes.js'
export { publishingRoutes, UploadTooLargeError } from './publishing-routes.js'
export { ValidationError } from './validation-error.js'
export type { PublishingApi } from './publishing-routes.js'
