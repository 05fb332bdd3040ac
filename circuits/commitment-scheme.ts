/**
 * How a batch's readings are committed (the circuit decides; both pack readings identically):
 * `poseidon`, circomlib Poseidon(16) over chunks chained with Poseidon(2) — commitment v2, what every
 * circom circuit proves; `poseidon2`, the Poseidon2 sponge — commitment v3, about a ninth of the
 * gates in UltraHonk, so its circuits take about 2.9× the readings per proof.
 */
export type CommitmentScheme = 'poseidon' | 'poseidon2'
