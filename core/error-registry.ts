/** A class of error, as the registry keeps it (any constructor: each class has its own arguments). */
export type ErrorClass = abstract new (...args: never[]) => Error

const registry = new Map<string, ErrorClass>()

/**
 * Lets deserializeError re-create errors of these classes from another process, by their
 * instances' `name` (every Assay error sets it to its class name). Each module that defines an
 * error class registers it, so a process knows every class it has loaded; again is harmless.
 */
export function registerErrorClass(...classes: ErrorClass[]): void {
  for (const c of classes) registry.set(c.name, c)
}

/** The registered class of errors named `name`, if any. */
export function errorClassNamed(name: string): ErrorClass | undefined {
  return registry.get(name)
}
