// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IKeyEscrow} from "../interfaces/IKeyEscrow.sol";

/// @title EscrowBuyer (tests only)
/// @notice A contract buyer of the key escrow that is no ERC-1155 receiver (a mint calling
/// onERC1155Received to it reverts) and that tries to re-enter the escrow from `receive()` when the
/// escrow pays it a refund.
contract EscrowBuyer {
    IKeyEscrow public immutable escrow;
    uint256 public attempts;
    uint256 public reverted;
    bytes private _reentry;

    constructor(IKeyEscrow escrow_) {
        escrow = escrow_;
    }

    /// @notice Opens an order paid in the native coin, with all it was sent.
    function open(uint256 datasetId, uint64 accessPeriod, uint256 buyerKey) external payable returns (uint256) {
        return escrow.open{value: msg.value}(datasetId, msg.value, address(0), accessPeriod, buyerKey);
    }

    /// @notice Sets the call tried on the escrow while it pays this contract.
    function setReentry(bytes calldata data) external {
        _reentry = data;
    }

    /// @notice Accepts the refund after trying the re-entry.
    receive() external payable {
        if (msg.sender == address(escrow)) _tryReenter();
    }

    function _tryReenter() private {
        if (_reentry.length == 0) return;
        ++attempts;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = address(escrow).call(_reentry);
        if (!ok) ++reverted;
    }
}
