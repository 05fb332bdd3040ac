/** A snarkjs Groth16 proof (the JSON it writes). */
export interface Groth16Proof {
  pi_a: readonly string[]
  pi_b: readonly (readonly string[])[]
  pi_c: readonly string[]
}

/** The flat uint256[8] the verifiers take: a, b (each pair reversed, as snarkjs exports), c. */
export function proofToCalldata(proof: Groth16Proof): bigint[] {
  const b = proof.pi_b
  return [proof.pi_a[0], proof.pi_a[1], b[0]![1], b[0]![0], b[1]![1], b[1]![0], proof.pi_c[0], proof.pi_c[1]].map((x) =>
    BigInt(x as string),
  )
}
