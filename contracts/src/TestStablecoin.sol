// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title TestStablecoin
/// @notice A 6-decimal dollar-like token for development chains only, so ERC-20 payments can be
/// exercised end to end without a real stablecoin. Never deploy it to a public network.
contract TestStablecoin is ERC20, ERC20Permit, Ownable {
    /// @param initialOwner Account allowed to mint.
    constructor(
        address initialOwner
    ) ERC20("Assay Test USD", "tUSD") ERC20Permit("Assay Test USD") Ownable(initialOwner) {}

    /// @notice Mints `amount` base units to `to`.
    /// @dev Owner only; reverts with OwnableUnauthorizedAccount otherwise.
    /// @param to Recipient.
    /// @param amount Amount in base units (6 decimals).
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
