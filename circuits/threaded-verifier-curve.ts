import { curves } from 'snarkjs'
import type { Curve } from './verify-proof.js'

/**
 * ffjavascript's threaded bn128 curve (one worker per core), for batch verification in Node:
 * verifyProofsBatched queues each proof's Miller loop and subgroup check on its workers, so a
 * dataset's proofs use every core. It is the curve snarkjs's prover shares (globalThis.curve_bn128),
 * so releaseProverThreads ends its workers too; it is recreated when asked for again. Node only:
 * the browser verifies in its own Web Worker on the single-threaded curve.
 */
export const threadedVerifierCurve = (): Promise<Curve> => curves.getCurveFromName('bn128') as unknown as Promise<Curve>
