// Test helper: proves one SensorStats batch inside a worker thread and posts the result back.
import { parentPort, workerData } from 'node:worker_threads'
import { generateProof } from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'

const { circuitId, input } = workerData as { circuitId: string; input: Record<string, string | string[]> }
const circuit = await loadCircuit(circuitId)
const result = await generateProof(circuit, input, { singleThread: true })
await releaseProverThreads()
parentPort!.postMessage(result)
