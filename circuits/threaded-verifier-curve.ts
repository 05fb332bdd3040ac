import { curves } from 'snarkjs'
import type { Curve } from './verify-proof.js'

let building: Promise<Curve> | undefined

/**
 * ffjavascript's threaded bn128 curve (one worker per core), for batch verification in Node:
 * verifyProofsBatched queues each group of proofs' Miller loops and subgroup checks on its workers,
 * so a dataset's proofs use every core. It is the curve snarkjs's prover shares (globalThis.curve_bn128),
 * so releaseProverThreads ends its workers too; it is recreated when asked for again. Node only:
 * the browser verifies in its own Web Worker on the single-threaded curve.
 */
export const threadedVerifierCurve = (): Promise<Curve> =>
  // ffjavascript caches the curve only once built: two callers during the build would start two
  // worker pools. Only the build is shared here, so a released curve is never handed out.
  (building ??= (curves.getCurveFromName('bn128') as unknown as Promise<Curve>).finally(() => {
    building = undefined
  }))
