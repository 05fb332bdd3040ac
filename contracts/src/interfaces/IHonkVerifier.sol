// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title An UltraHonk verifier as bb writes it (`bb write_solidity_verifier -t evm`)
/// @notice bb's generated verifier reverts with a named error on most invalid proofs (a wrong
/// length, a failed sumcheck, a point off the curve) and returns false only for some: callers
/// treat a revert as a rejection.
interface IHonkVerifier {
    /// @notice Checks an UltraHonk proof against its public inputs.
    /// @param proof bb's proof bytes (`bb prove -t evm`: a keccak transcript).
    /// @param publicInputs The public inputs in the program's order, one field element per word.
    /// @return Whether the proof verifies.
    function verify(bytes calldata proof, bytes32[] calldata publicInputs) external view returns (bool);
}
