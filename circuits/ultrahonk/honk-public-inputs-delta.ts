import { frAdd, frBatchInverse, frMul, frSub } from './bn254-field.js'

/** Separates the public inputs' permutation ids from the wires' (PERMUTATION_ARGUMENT_VALUE_SEPARATOR). */
const PERMUTATION_ARGUMENT_VALUE_SEPARATOR = 1n << 28n

/**
 * The permutation argument's public-input delta, Π (γ + x_i + β·(SEPARATOR + offset + i)) /
 * Π (γ + x_i − β·(offset + 1 + i)), over the public inputs then the pairing-point limbs (the
 * Solidity computePublicInputDelta); undefined where its denominator is zero (InvertOfZero there).
 */
export function computePublicInputsDelta(
  publicInputs: readonly bigint[],
  pairingPointObject: readonly bigint[],
  beta: bigint,
  gamma: bigint,
  offset: number,
): bigint | undefined {
  let numerator = 1n
  let denominator = 1n
  let numeratorAcc = frAdd(gamma, frMul(beta, PERMUTATION_ARGUMENT_VALUE_SEPARATOR + BigInt(offset)))
  let denominatorAcc = frSub(gamma, frMul(beta, BigInt(offset + 1)))
  for (const input of [...publicInputs, ...pairingPointObject]) {
    numerator = frMul(numerator, frAdd(numeratorAcc, input))
    denominator = frMul(denominator, frAdd(denominatorAcc, input))
    numeratorAcc = frAdd(numeratorAcc, beta)
    denominatorAcc = frSub(denominatorAcc, beta)
  }
  const inverse = frBatchInverse([denominator])
  return inverse === undefined ? undefined : frMul(numerator, inverse[0]!)
}
