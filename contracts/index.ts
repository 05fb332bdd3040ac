// Contracts: generated typed ABIs, the embedded chain, and (in later issues) the chain client.
export * from './generated/abis.js'
