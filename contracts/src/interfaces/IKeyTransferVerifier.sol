// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title The generated Groth16 verifier of the key-transfer circuit (six public signals)
interface IKeyTransferVerifier {
    /// @notice Checks a proof against its public signals.
    /// @param pA Proof point A.
    /// @param pB Proof point B.
    /// @param pC Proof point C.
    /// @param pubSignals keyCommitment, buyerKey, ephemeralKey, cipherHi, cipherLo, orderNonce
    /// (circuits/src/key-transfer.circom; the keys are y coordinates).
    /// @return Whether the proof verifies.
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[6] calldata pubSignals
    ) external view returns (bool);
}
