/** An EdDSA-Poseidon signature on Baby Jubjub (circomlibjs's R8 point and S scalar). */
export interface EddsaSignature {
  R8x: bigint
  R8y: bigint
  S: bigint
}
