import { CrsError } from './crs-error.js'

/** Aztec's [x]_2 as bb's generated Solidity verifier writes it (EIP-197 order: x.c1, x.c0, y.c1, y.c0). */
const AZTEC_X2 = [
  '0x260e01b251f6f1c7e7ff4e580791dee8ea51d87a358e038b4efe30fac09383c1',
  '0x0118c4d5b837bcc2bc89b5b398b5974e9f5944073b32078b7e231fec938883b0',
  '0x04fc6369f7110fe3d25156c1bb9a72859cf2a04641f99ba4ee413c80da6a5fe4',
  '0x22febda3c0c0632a56475b4214e5615e11e6dd3f96e6cea2854a87d4dacc5e55',
]

/**
 * bb's Solidity verifier with its pairing's [x]_2 replaced by the CRS's tau·G2 (`bn254_g2.dat`:
 * x.c0‖x.c1‖y.c0‖y.c1, big-endian). bb 5 compiles Aztec's [x]_2 into every verifier it has (native,
 * bb.js and Solidity), so a proof under any other CRS fails their pairing check; this is the one
 * constant of the verifier that depends on the CRS.
 */
export function solidityVerifierForCrs(source: string, g2: Uint8Array): string {
  if (g2.length !== 128) throw new CrsError(`bn254_g2.dat: ${g2.length} bytes, 128 expected`)
  const word = (i: number): string => `0x${Buffer.from(g2.subarray(32 * i, 32 * i + 32)).toString('hex')}`
  const ours = [word(1), word(0), word(3), word(2)]
  const pattern = AZTEC_X2.map((w) => `uint256\\(${w}\\)`).join(',\\s*')
  const found = source.match(new RegExp(pattern, 'g'))
  if (found?.length !== 1)
    throw new CrsError(`the verifier holds Aztec's [x]_2 ${found?.length ?? 0} times, once expected (another bb version?)`)
  return source.replace(new RegExp(pattern), ours.map((w) => `uint256(${w})`).join(',\n        '))
}
