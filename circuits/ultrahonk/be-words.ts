// 32-byte big-endian words: how bb serialises proofs, keys and public inputs, and what the Solidity
// verifier reads and hashes (abi.encodePacked of uint256/bytes32 values).

/** The word at byte `offset` as an unsigned integer. */
export function readWord(bytes: Uint8Array, offset: number): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 32)
  return (view.getBigUint64(0) << 192n) | (view.getBigUint64(8) << 128n) | (view.getBigUint64(16) << 64n) | view.getBigUint64(24)
}

/** Writes `value` (below 2^256) as the word at byte `offset`. */
export function writeWord(bytes: Uint8Array, offset: number, value: bigint): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 32)
  view.setBigUint64(0, BigInt.asUintN(64, value >> 192n))
  view.setBigUint64(8, BigInt.asUintN(64, value >> 128n))
  view.setBigUint64(16, BigInt.asUintN(64, value >> 64n))
  view.setBigUint64(24, BigInt.asUintN(64, value))
}

/** `values` as consecutive words. */
export function wordsOf(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(32 * values.length)
  values.forEach((v, i) => writeWord(out, 32 * i, v))
  return out
}
