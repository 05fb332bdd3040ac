import { CrsError } from './crs-error.js'

/**
 * bb's Solidity verifier with its contract named `name` and every other top-level declaration
 * (libraries, interfaces, the abstract base) prefixed `name_`: one generated file per circuit, and
 * Hardhat needs every contract name unique across them.
 */
export function nameHonkVerifier(source: string, name: string): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new CrsError(`${name} is not a contract name`)
  const declared = [...source.matchAll(/^(?:abstract\s+)?(?:library|interface|contract)\s+([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1]!)
  if (!declared.includes('HonkVerifier')) throw new CrsError('the source declares no HonkVerifier (another bb version?)')
  return declared.reduce(
    (text, old) => text.replace(new RegExp(`\\b${old}\\b`, 'g'), old === 'HonkVerifier' ? name : `${name}_${old}`),
    source,
  )
}
