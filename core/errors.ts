/**
 * Base class for every Assay domain error. Modules match failures on `name` (stable across
 * bundles and processes) rather than on `instanceof`.
 */
export class AssayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AssayError'
  }
}

/** A configuration value (usually an environment variable) is missing or malformed. */
export class ConfigError extends AssayError {
  /** Name of the offending variable, e.g. `PORT`. */
  readonly variable: string

  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(`${variable}: ${message}`, options)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

/** A built artifact (zkey, wasm, vkey …) is missing or does not match the committed manifest. */
export class ArtifactError extends AssayError {
  readonly path: string

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options)
    this.name = 'ArtifactError'
    this.path = path
  }
}

/** An embedded or external service (anvil, Redis, Helia) could not be started or reached. */
export class ServiceError extends AssayError {
  readonly service: string

  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super(`${service}: ${message}`, options)
    this.name = 'ServiceError'
    this.service = service
  }
}
