// circomlibjs ships no types; these cover what Assay uses.
declare module 'circomlibjs' {
  export interface PoseidonField {
    toObject(element: Uint8Array): bigint
    e(value: bigint | number | string): Uint8Array
    isSquare(element: Uint8Array): boolean
    /** A square root; loops forever on a non-square (check isSquare first). */
    sqrt(element: Uint8Array): Uint8Array
  }
  export interface Poseidon {
    (inputs: Array<bigint | number | string | Uint8Array>): Uint8Array
    F: PoseidonField
  }
  export function buildPoseidon(): Promise<Poseidon>
}

declare module 'circomlibjs' {
  export type BabyJubField = PoseidonField
  export interface Eddsa {
    F: BabyJubField
    babyJub: { inCurve(point: [Uint8Array, Uint8Array]): boolean }
    prv2pub(privateKey: Uint8Array): [Uint8Array, Uint8Array]
    signPoseidon(privateKey: Uint8Array, message: Uint8Array): { R8: [Uint8Array, Uint8Array]; S: bigint }
    verifyPoseidon(
      message: Uint8Array,
      signature: { R8: [Uint8Array, Uint8Array]; S: bigint },
      publicKey: [Uint8Array, Uint8Array],
    ): boolean
  }
  export function buildEddsa(): Promise<Eddsa>
}

declare module 'circomlibjs' {
  export interface BabyJub {
    F: BabyJubField
    Base8: [Uint8Array, Uint8Array]
    subOrder: bigint
    mulPointEscalar(point: [Uint8Array, Uint8Array], scalar: bigint): [Uint8Array, Uint8Array]
  }
  export function buildBabyjub(): Promise<BabyJub>
}
