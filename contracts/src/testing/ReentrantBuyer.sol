// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IDataMarket} from "../interfaces/IDataMarket.sol";

/// @title ReentrantBuyer (tests only)
/// @notice A contract account that tries to re-enter the market from every callback it gets: the
/// ERC-1155 receive hook during `buy`, and `receive()` during a native `withdraw`.
contract ReentrantBuyer is IERC1155Receiver {
    IDataMarket public immutable market;
    uint256 public attempts;
    uint256 public reverted;

    constructor(IDataMarket market_) {
        market = market_;
    }

    /// @notice Buys access to a perpetual listing, paying the native coin.
    function buy(uint256 datasetId, uint256 price) external payable {
        market.buy{value: price}(datasetId, price, address(0), 0);
    }

    /// @notice Withdraws native proceeds.
    function withdraw() external {
        market.withdraw(address(0));
    }

    /// @notice Tries to buy again while the market is minting to it.
    function onERC1155Received(address, address, uint256 id, uint256, bytes calldata) external returns (bytes4) {
        _tryReenter(abi.encodeCall(IDataMarket.buy, (id, 0, address(0), 0)));
        return this.onERC1155Received.selector;
    }

    /// @notice Accepts batch mints (never used by the market).
    function onERC1155BatchReceived(
        address,
        address,
        uint256[] calldata,
        uint256[] calldata,
        bytes calldata
    ) external pure returns (bytes4) {
        return this.onERC1155BatchReceived.selector;
    }

    /// @notice ERC-165: an ERC-1155 receiver.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    /// @notice Tries to withdraw again while the market pays it.
    receive() external payable {
        if (msg.sender == address(market)) _tryReenter(abi.encodeCall(IDataMarket.withdraw, (address(0))));
    }

    function _tryReenter(bytes memory data) private {
        ++attempts;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = address(market).call(data);
        if (!ok) ++reverted;
    }
}
