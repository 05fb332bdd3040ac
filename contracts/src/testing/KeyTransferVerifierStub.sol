// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IKeyTransferVerifier} from "../interfaces/IKeyTransferVerifier.sol";

/// @title KeyTransferVerifierStub (tests only)
/// @notice Stands in for the generated key-transfer verifier in the escrow's unit tests: a "proof"
/// verifies when its first word is keccak256 of the public signals, so a test settles only when the
/// escrow hands the verifier exactly the signals the test expects, and any other word is a wrong proof.
/// A second word of REVERT makes it revert instead, as a verifier might on input it cannot parse.
contract KeyTransferVerifierStub is IKeyTransferVerifier {
    uint256 public constant REVERT = 0xdead;

    error Unparseable();

    /// @inheritdoc IKeyTransferVerifier
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[6] calldata pubSignals
    ) external pure returns (bool) {
        if (pA[1] == REVERT) revert Unparseable();
        return pA[0] == uint256(keccak256(abi.encode(pubSignals)));
    }
}
