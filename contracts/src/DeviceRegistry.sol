// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IPoseidonT3} from "./interfaces/IPoseidonT3.sol";

/// @title DeviceRegistry
/// @notice Sensor devices and their BabyJub keys. deviceId = Poseidon(Ax, Ay) is computed here, so a
/// registered id always matches the key that signs the device's batches.
/// @dev Registration does not prove possession of the private key: somebody could register another
/// party's public key first. That only blocks the rightful owner from registering it (its batches
/// still need the private key to be signed); off-chain, `assay verify` shows the owner of each id.
contract DeviceRegistry is IDeviceRegistry {
    /// @dev BN254 scalar field: keys and ids are elements of it.
    uint256 private constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    IPoseidonT3 public immutable poseidon;

    mapping(uint256 deviceId => Device) private _devices;
    mapping(uint256 deviceId => mapping(uint16 epoch => mapping(address publisher => bool))) private _publishers;

    /// @param poseidon_ A deployed PoseidonT3.
    constructor(IPoseidonT3 poseidon_) {
        poseidon = poseidon_;
    }

    /// @inheritdoc IDeviceRegistry
    function register(uint256 ax, uint256 ay, string calldata metadataURI) external returns (uint256 deviceId) {
        if (ax == 0 || ay == 0 || ax >= FIELD || ay >= FIELD) revert InvalidPublicKey(ax, ay);
        deviceId = poseidon.hash([ax, ay]);
        if (_devices[deviceId].owner != address(0)) revert DeviceAlreadyRegistered(deviceId);
        _devices[deviceId] = Device({owner: msg.sender, registeredAt: uint40(block.timestamp), revokedAt: 0, epoch: 0});
        emit DeviceRegistered(deviceId, msg.sender, ax, ay, metadataURI);
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

    /// @dev The device, if the caller owns it and it is not revoked.
    function _owned(uint256 deviceId) private view returns (Device storage device) {
        device = _devices[deviceId];
        if (device.owner == address(0)) revert UnknownDevice(deviceId);
        if (device.owner != msg.sender) revert NotDeviceOwner(deviceId, msg.sender);
        if (device.revokedAt != 0) revert DeviceIsRevoked(deviceId, device.revokedAt);
    }
}
