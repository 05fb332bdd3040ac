import type { ErrorRequestHandler } from 'express'

/** Named domain errors → HTTP status. Unknown errors are 500 and never leak details. */
const STATUS_BY_NAME: Record<string, number> = {
  ConfigError: 400,
  ValidationError: 400,
  MappingError: 400,
  SourceFormatError: 400,
  MissingColumnError: 400,
  NoReadingsError: 400,
  ImportRowError: 400,
  UploadTooLargeError: 413,
  RateLimitedError: 429,
  TooManyConnectionsError: 429,
  DeviceOwnedError: 409,
  KeyRequestError: 400,
  KeyRequestExpiredError: 400,
  KeyRequestSignatureError: 401,
  OperatorAuthError: 401,
  SiweError: 401,
  ForeignRequestError: 403,
  NoAccessError: 403,
  KeyNotHeldError: 404,
  NonceReusedError: 409,
  PublicationNotFailedError: 409,
  PublicationBusyError: 409,
  DevelopmentSetupError: 409,
  NotFoundError: 404,
  UnknownStreamError: 404,
  ContentNotFoundError: 404,
  ServiceError: 503,
  IngestBusyError: 503,
}

/** The one error middleware: a JSON body `{ error: { name, message } }`, never a stack trace. */
export function createErrorHandler(logError: (err: unknown) => void = (err) => console.error(err)): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const name = err instanceof Error ? err.name : 'Error'
    const bodyParserStatus = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : undefined
    const status = STATUS_BY_NAME[name] ?? (bodyParserStatus !== undefined && bodyParserStatus < 500 ? bodyParserStatus : 500)
    if (status >= 500) logError(err)
    const message =
      status >= 500 && STATUS_BY_NAME[name] === undefined ? 'internal error' : err instanceof Error ? err.message : String(err)
    res.status(status).json({ error: { name: status >= 500 && STATUS_BY_NAME[name] === undefined ? 'InternalError' : name, message } })
  }
}
