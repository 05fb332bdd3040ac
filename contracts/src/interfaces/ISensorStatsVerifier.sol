// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title A generated Groth16 verifier of a SensorStats circuit (six public signals)
interface ISensorStatsVerifier {
    /// @notice Checks a proof against its public signals.
    /// @param pA Proof point A.
    /// @param pB Proof point B.
    /// @param pC Proof point C.
    /// @param pubSignals commitment, device, series, batch, sums, bounds (see circuits/public-signals.ts).
    /// @return Whether the proof verifies.
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[6] calldata pubSignals
    ) external view returns (bool);
}
