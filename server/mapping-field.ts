import { parseImportMapping, type ImportMapping } from '../core/index.js'
import { ValidationError } from './validation-error.js'

/** The `mapping` form field (JSON) of an upload: undefined when empty. @throws {ValidationError} naming what is wrong */
export function parseMappingField(text: string | undefined): ImportMapping | undefined {
  if (text === undefined || text.trim() === '') return undefined
  try {
    return parseImportMapping(JSON.parse(text))
  } catch (err) {
    throw new ValidationError(`mapping: ${(err as Error).message}`, { cause: err })
  }
}
