// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Registry of sensor devices and their BabyJub signing keys
/// @notice A device is identified by deviceId = Poseidon(Ax, Ay), the id its batch proofs state.
/// A device key is a point of Baby Jubjub in its prime-order subgroup (so never of small order),
/// and registering it takes the key's own signature of `registrationMessage(owner, nonce)`.
interface IDeviceRegistry {
    /// @notice Why a public key is not a device key.
    /// @dev NotOnCurve: a coordinate is not a field element, or the point is not on the curve.
    /// SmallOrder: 8·A is the identity (the keys the circuit's EdDSA verifier refuses; a signature
    /// "by" such a key proves nothing). NotInSubgroup: SUBORDER·A is not the identity (A is a
    /// subgroup point plus a small-order one: the same private key would sign for up to 8 ids).
    enum DeviceKeyFault {
        NotOnCurve,
        SmallOrder,
        NotInSubgroup
    }

    /// @notice The device key's EdDSA-Poseidon signature (circomlibjs `eddsa.signPoseidon`) of
    /// `registrationMessage(owner, nonce)`: proof that whoever registers the key holds it.
    /// @param nonce The owner's registration nonce the message was made for (`registrationNonce`).
    /// @param r8x Signature R8, x.
    /// @param r8y Signature R8, y.
    /// @param s Signature S.
    struct PossessionProof {
        uint256 nonce;
        uint256 r8x;
        uint256 r8y;
        uint256 s;
    }

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

    /// @notice (ax, ay) is not a device key, for the reason `fault`.
    error InvalidDeviceKey(uint256 ax, uint256 ay, DeviceKeyFault fault);
    /// @notice The proof was made for registration nonce `nonce`; `owner`'s next one is `expected`
    /// (a replayed, stale or not yet valid proof).
    error InvalidRegistrationNonce(address owner, uint256 nonce, uint256 expected);
    /// @notice The proof is not the device key's signature of `registrationMessage(owner, nonce)`:
    /// signed by another key, or for another owner, nonce, chain or registry.
    error InvalidPossessionProof(uint256 deviceId, address owner, uint256 nonce);
    /// @notice The PoseidonT6 library could not be deployed with the registry.
    error HasherDeploymentFailed();
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

    /// @notice Registers a device; the caller owns it. The key must be a device key (else
    /// `InvalidDeviceKey`), not registered before, and `proof` its signature of
    /// `registrationMessage(msg.sender, registrationNonce(msg.sender))`; the caller's nonce then moves on.
    /// @param ax BabyJub public key x.
    /// @param ay BabyJub public key y.
    /// @param proof The key's signature of the caller's registration message.
    /// @param metadataURI Where the device's description lives (e.g. an IPFS URI).
    /// @return deviceId Poseidon(ax, ay).
    function register(
        uint256 ax,
        uint256 ay,
        PossessionProof calldata proof,
        string calldata metadataURI
    ) external returns (uint256 deviceId);

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

    /// @notice The nonce `owner`'s next registration must be signed for (0, then one more per registration).
    /// @param owner The account that will register.
    /// @return The nonce.
    function registrationNonce(address owner) external view returns (uint256);

    /// @notice What a device key signs to be registered by `owner` with `nonce` here: keccak256 of
    /// abi.encode(REGISTRATION_DOMAIN, chain id, this registry, owner, nonce), reduced into the BN254
    /// scalar field.
    /// @param owner The account that will register the device.
    /// @param nonce Its registration nonce.
    /// @return The message (a field element).
    function registrationMessage(address owner, uint256 nonce) external view returns (uint256);

    /// @notice Poseidon(ax, ay): the id a device with this key has.
    /// @param ax BabyJub public key x.
    /// @param ay BabyJub public key y.
    /// @return The device id.
    function deviceIdOf(uint256 ax, uint256 ay) external view returns (uint256);
}
