// circomlibjs ships no types; these cover what Assay uses.
declare module 'circomlibjs' {
  export interface PoseidonField {
    toObject(element: Uint8Array): bigint
    e(value: bigint | number | string): Uint8Array
  }
  export interface Poseidon {
    (inputs: Array<bigint | number | string | Uint8Array>): Uint8Array
    F: PoseidonField
  }
  export function buildPoseidon(): Promise<Poseidon>
}
