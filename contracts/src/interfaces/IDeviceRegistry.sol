// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Registry of sensor devices and their BabyJub signing keys
/// @notice A device is identified by deviceId = Poseidon(Ax, Ay), the id its batch proofs state.
interface IDeviceRegistry {
    /// @notice One registered device. Packed into one storage slot.
    /// @param owner Current owner; may publish with the device and manage it.
    /// @param registeredAt Block timestamp of registration.
    /// @param revokedAt Block timestamp of revocation, 0 while valid.
    /// @param epoch Incremented on every transfer, so authorisations never survive a change of owner.
    struct Device {
        address owner;
        uint40 registeredAt;
        uint40 revokedAt;
        uint16 epoch;
    }

    /// @notice The public key is not a pair of field elements, or is zero.
    error InvalidPublicKey(uint256 ax, uint256 ay);
    /// @notice A device with this id exists already (revoked ids are never reused).
    error DeviceAlreadyRegistered(uint256 deviceId);
    /// @notice No device with this id was ever registered.
    error UnknownDevice(uint256 deviceId);
    /// @notice Only the device's owner may do this.
    error NotDeviceOwner(uint256 deviceId, address caller);
    /// @notice The device was revoked at `revokedAt`.
    error DeviceIsRevoked(uint256 deviceId, uint40 revokedAt);
    /// @notice The zero address cannot own a device or publish.
    error InvalidAddress(address account);

    /// @notice A device was registered with its BabyJub public key.
    event DeviceRegistered(uint256 indexed deviceId, address indexed owner, uint256 ax, uint256 ay, string metadataURI);
    /// @notice A device was revoked; its proofs no longer count for new datasets.
    event DeviceRevoked(uint256 indexed deviceId, address indexed owner);
    /// @notice A device changed owner.
    event DeviceTransferred(uint256 indexed deviceId, address indexed from, address indexed to);
    /// @notice The owner allowed or disallowed a publisher (e.g. a gateway operator) to name the device.
    event PublisherAuthorised(uint256 indexed deviceId, address indexed publisher, bool authorised);

    /// @notice Registers a device; the caller owns it.
    /// @param ax BabyJub public key x.
    /// @param ay BabyJub public key y.
    /// @param metadataURI Where the device's description lives (e.g. an IPFS URI).
    /// @return deviceId Poseidon(ax, ay).
    function register(uint256 ax, uint256 ay, string calldata metadataURI) external returns (uint256 deviceId);

    /// @notice Revokes a device for good (a lost or compromised key).
    /// @param deviceId The device.
    function revoke(uint256 deviceId) external;

    /// @notice Transfers a device to a new owner; earlier publisher authorisations lapse.
    /// @param deviceId The device.
    /// @param to The new owner.
    function transferDevice(uint256 deviceId, address to) external;

    /// @notice Allows or disallows `publisher` to name the device in datasets.
    /// @param deviceId The device.
    /// @param publisher The account.
    /// @param authorised Whether it may.
    function setPublisher(uint256 deviceId, address publisher, bool authorised) external;

    /// @notice The device record.
    /// @param deviceId The device.
    /// @return The record (owner is the zero address for an unknown device).
    function deviceOf(uint256 deviceId) external view returns (Device memory);

    /// @notice Whether `publisher` may name the device in a dataset now: registered, unrevoked, and
    /// the publisher is its owner or authorised by the owner.
    /// @param deviceId The device.
    /// @param publisher The account.
    /// @return True when it may.
    function canPublish(uint256 deviceId, address publisher) external view returns (bool);

    /// @notice Poseidon(ax, ay): the id a device with this key has.
    /// @param ax BabyJub public key x.
    /// @param ay BabyJub public key y.
    /// @return The device id.
    function deviceIdOf(uint256 ax, uint256 ay) external view returns (uint256);
}
