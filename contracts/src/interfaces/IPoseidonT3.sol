// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Poseidon over two BN254 field elements (circomlib's parameters)
/// @notice Called on a deployed `poseidon-solidity` PoseidonT3 library: its `hash` is pure, so a plain
/// call works and contracts need no library linking.
interface IPoseidonT3 {
    /// @notice Poseidon(inputs[0], inputs[1]).
    /// @param inputs Two field elements.
    /// @return The hash.
    function hash(uint256[2] memory inputs) external pure returns (uint256);
}
