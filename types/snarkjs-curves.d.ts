// @types/snarkjs lacks the `curves` export that the build uses for powers of tau.
import 'snarkjs'

declare module 'snarkjs' {
  export namespace curves {
    function getCurveFromName(name: string, options?: unknown): Promise<{ terminate(): Promise<void> }>
  }
}
