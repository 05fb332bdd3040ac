// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Poseidon over five BN254 field elements (circomlib's parameters)
/// @notice Called on a deployed `poseidon-solidity` PoseidonT6 library, as IPoseidonT3 is: EdDSA-Poseidon
/// hashes (R8x, R8y, Ax, Ay, message) with it.
interface IPoseidonT6 {
    /// @notice Poseidon(inputs[0], …, inputs[4]).
    /// @param inputs Five field elements.
    /// @return The hash.
    function hash(uint256[5] memory inputs) external pure returns (uint256);
}
