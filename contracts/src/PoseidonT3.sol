// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

// Compiles poseidon-solidity's PoseidonT3 into this project's artifacts, so the deploy script can
// deploy it (contracts call it through IPoseidonT3).
// solhint-disable-next-line no-unused-import
import {PoseidonT3} from "poseidon-solidity/PoseidonT3.sol";
