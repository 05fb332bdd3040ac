// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {PoseidonT6} from "poseidon-solidity/PoseidonT6.sol";
import {BabyJubJub} from "./BabyJubJub.sol";
import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IPoseidonT3} from "./interfaces/IPoseidonT3.sol";
import {IPoseidonT6} from "./interfaces/IPoseidonT6.sol";

/// @title DeviceRegistry
/// @notice Sensor devices and their BabyJub keys. deviceId = Poseidon(Ax, Ay) is computed here, so a
/// registered id always matches the key that signs the device's batches.
/// @dev Only device keys are taken (on the curve, in the prime-order subgroup: see
/// `DeviceKeyFault`), the rule circuits/babyjub.ts `deviceKeyFault` applies off-chain. Registering
/// takes the key's EdDSA-Poseidon signature of a message naming the caller, chain, registry and the
/// caller's nonce, verified here: nobody can register (squat) a key they do not hold, nor replay a
/// proof somebody else sent.
contract DeviceRegistry is IDeviceRegistry {
    /// @notice Domain of registration messages: a device key's registration signature can never be
    /// taken for a batch signature (those sign Poseidon hashes), nor the reverse.
    bytes32 public constant REGISTRATION_DOMAIN = keccak256("assay.device-registration/v1");

    IPoseidonT3 public immutable poseidon;
    /// @notice PoseidonT6, deployed with the registry (EdDSA-Poseidon hashes five elements).
    IPoseidonT6 public immutable poseidonT6;

    mapping(uint256 deviceId => Device) private _devices;
    mapping(uint256 deviceId => mapping(uint16 epoch => mapping(address publisher => bool))) private _publishers;
    mapping(address owner => uint256 nonce) private _registrationNonces;

    /// @param poseidon_ A deployed PoseidonT3.
    constructor(IPoseidonT3 poseidon_) {
        poseidon = poseidon_;
        // Deployed here rather than by the deploy script, so the registry's constructor and every
        // deployment record stay as they were; the library is too large to inline into this contract.
        bytes memory code = type(PoseidonT6).creationCode;
        address hasher;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            hasher := create(0, add(code, 0x20), mload(code))
        }
        if (hasher == address(0)) revert HasherDeploymentFailed();
        poseidonT6 = IPoseidonT6(hasher);
    }

    /// @inheritdoc IDeviceRegistry
    function register(
        uint256 ax,
        uint256 ay,
        PossessionProof calldata proof,
        string calldata metadataURI
    ) external returns (uint256 deviceId) {
        uint256[4] memory a8 = _deviceKey(ax, ay);
        deviceId = poseidon.hash([ax, ay]);
        if (_devices[deviceId].owner != address(0)) revert DeviceAlreadyRegistered(deviceId);
        uint256 nonce = _registrationNonces[msg.sender];
        if (proof.nonce != nonce) revert InvalidRegistrationNonce(msg.sender, proof.nonce, nonce);
        if (!_provesPossession(ax, ay, a8, proof, registrationMessage(msg.sender, nonce)))
            revert InvalidPossessionProof(deviceId, msg.sender, nonce);
        _registrationNonces[msg.sender] = nonce + 1;
        _devices[deviceId] = Device({owner: msg.sender, registeredAt: uint40(block.timestamp), revokedAt: 0, epoch: 0});
        emit DeviceRegistered(deviceId, msg.sender, ax, ay, metadataURI);
    }

    /// @inheritdoc IDeviceRegistry
    function registrationNonce(address owner) external view returns (uint256) {
        return _registrationNonces[owner];
    }

    /// @inheritdoc IDeviceRegistry
    function registrationMessage(address owner, uint256 nonce) public view returns (uint256) {
        return
            uint256(keccak256(abi.encode(REGISTRATION_DOMAIN, block.chainid, address(this), owner, nonce))) %
            BabyJubJub.Q;
    }

    /// @inheritdoc IDeviceRegistry
    function revoke(uint256 deviceId) external {
        Device storage device = _owned(deviceId);
        device.revokedAt = uint40(block.timestamp);
        emit DeviceRevoked(deviceId, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function transferDevice(uint256 deviceId, address to) external {
        if (to == address(0)) revert InvalidAddress(to);
        Device storage device = _owned(deviceId);
        device.owner = to;
        unchecked {
            ++device.epoch;
        }
        emit DeviceTransferred(deviceId, msg.sender, to);
    }

    /// @inheritdoc IDeviceRegistry
    function setPublisher(uint256 deviceId, address publisher, bool authorised) external {
        if (publisher == address(0)) revert InvalidAddress(publisher);
        Device storage device = _owned(deviceId);
        _publishers[deviceId][device.epoch][publisher] = authorised;
        emit PublisherAuthorised(deviceId, publisher, authorised);
    }

    /// @inheritdoc IDeviceRegistry
    function deviceOf(uint256 deviceId) external view returns (Device memory) {
        return _devices[deviceId];
    }

    /// @inheritdoc IDeviceRegistry
    function canPublish(uint256 deviceId, address publisher) external view returns (bool) {
        Device memory device = _devices[deviceId];
        if (device.owner == address(0) || device.revokedAt != 0) return false;
        return device.owner == publisher || _publishers[deviceId][device.epoch][publisher];
    }

    /// @inheritdoc IDeviceRegistry
    function deviceIdOf(uint256 ax, uint256 ay) external view returns (uint256) {
        return poseidon.hash([ax, ay]);
    }

    /// @dev 8·A for a device key A; reverts with the rule it breaks otherwise.
    function _deviceKey(uint256 ax, uint256 ay) private pure returns (uint256[4] memory a8) {
        if (!BabyJubJub.onCurve(ax, ay)) revert InvalidDeviceKey(ax, ay, DeviceKeyFault.NotOnCurve);
        a8 = BabyJubJub.mul8(ax, ay);
        if (BabyJubJub.isIdentity(a8)) revert InvalidDeviceKey(ax, ay, DeviceKeyFault.SmallOrder);
        if (!BabyJubJub.inSubgroup(ax, ay)) revert InvalidDeviceKey(ax, ay, DeviceKeyFault.NotInSubgroup);
    }

    /// @dev Whether `proof` is A's EdDSA-Poseidon signature of `message` (R8 is checked before it is hashed).
    function _provesPossession(
        uint256 ax,
        uint256 ay,
        uint256[4] memory a8,
        PossessionProof calldata proof,
        uint256 message
    ) private view returns (bool) {
        if (!BabyJubJub.onCurve(proof.r8x, proof.r8y) || proof.s >= BabyJubJub.SUBORDER) return false;
        uint256 h = poseidonT6.hash([proof.r8x, proof.r8y, ax, ay, message]);
        return BabyJubJub.verifyEddsa(a8, proof.r8x, proof.r8y, proof.s, h);
    }

    /// @dev The device, if the caller owns it and it is not revoked.
    function _owned(uint256 deviceId) private view returns (Device storage device) {
        device = _devices[deviceId];
        if (device.owner == address(0)) revert UnknownDevice(deviceId);
        if (device.owner != msg.sender) revert NotDeviceOwner(deviceId, msg.sender);
        if (device.revokedAt != 0) revert DeviceIsRevoked(deviceId, device.revokedAt);
    }
}
