// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title HostileToken (tests only)
/// @notice An ERC-20 that misbehaves on demand: skims a cut of every transfer to the market, or
/// calls back into a target during a transfer (to try re-entering the market).
contract HostileToken is ERC20 {
    enum Mode {
        Honest,
        Skim,
        Reenter
    }

    Mode public mode;
    address public target;
    bytes public callData;
    bool public reentryReverted;

    constructor() ERC20("Hostile", "HOST") {}

    /// @notice Mints test tokens.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the misbehaviour.
    function setMode(Mode mode_, address target_, bytes calldata callData_) external {
        mode = mode_;
        target = target_;
        callData = callData_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (mode == Mode.Skim && from != address(0) && to.code.length != 0) {
            uint256 cut = value / 10;
            super._update(from, address(0xdead), cut);
            super._update(from, to, value - cut);
            return;
        }
        if (mode == Mode.Reenter && from != address(0)) {
            Mode saved = mode;
            mode = Mode.Honest;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = target.call(callData);
            reentryReverted = !ok;
            mode = saved;
        }
        super._update(from, to, value);
    }
}
