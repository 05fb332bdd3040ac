// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IPoseidonT3} from "./interfaces/IPoseidonT3.sol";
import {IHonkVerifier} from "./interfaces/IHonkVerifier.sol";
import {ISensorStatsVerifier} from "./interfaces/ISensorStatsVerifier.sol";

/// @title DatasetRegistry
/// @notice Anchors datasets (manifest CID, batch-commitment root, key commitment, stats digest,
/// devices, quality score), records assessors' quality attestations, and checks single batch
/// proofs against an anchored dataset on-chain.
/// @dev Storage is kept to three slots plus one per device (publishing costs ~22k gas per new
/// slot); the manifest CID, key commitment and stats digest are in the event and bound by `anchor`.
contract DatasetRegistry is IDatasetRegistry, AccessControl {
    bytes32 public constant ASSESSOR_ROLE = keccak256("ASSESSOR_ROLE");
    uint16 public constant MAX_SCORE = 10_000;
    uint256 private constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    IDeviceRegistry public immutable devices;
    IPoseidonT3 public immutable poseidon;

    /// @dev Starts at 1 (set in the constructor), so no publish pays for a zero-to-nonzero write.
    uint256 private _nextId;
    mapping(uint256 datasetId => Dataset) private _datasets;
    mapping(uint256 datasetId => mapping(uint256 deviceId => bool)) private _hasDevice;
    mapping(uint256 datasetId => Attestation) private _attestations;
    mapping(uint8 circuit => address) public verifiers;
    /// @inheritdoc IDatasetRegistry
    mapping(uint8 circuit => bytes32) public setupRecords;
    /// @inheritdoc IDatasetRegistry
    mapping(uint8 circuit => ProofSystem) public proofSystems;

    /// @param devices_ The device registry.
    /// @param poseidon_ A deployed PoseidonT3 (for Merkle paths).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (installs verifiers, grants assessors).
    constructor(IDeviceRegistry devices_, IPoseidonT3 poseidon_, address admin) {
        devices = devices_;
        poseidon = poseidon_;
        _nextId = 1;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IDatasetRegistry
    function publish(
        string calldata manifestCid,
        uint256 root,
        uint256 keyCommitment,
        uint16 qualityScore,
        bytes32 statsDigest,
        uint256[] calldata deviceIds,
        uint256 parent,
        uint8 circuit
    ) external returns (uint256 datasetId) {
        if (bytes(manifestCid).length == 0) revert EmptyManifestCid();
        if (root == 0 || root >= FIELD) revert InvalidRoot(root);
        if (qualityScore > MAX_SCORE) revert InvalidQualityScore(qualityScore);
        if (deviceIds.length == 0) revert NoDevices();
        if (verifiers[circuit] == address(0)) revert UnknownCircuit(circuit);
        if (parent != 0) {
            address parentOwner = _datasets[parent].owner;
            if (parentOwner == address(0)) revert UnknownDataset(parent);
            if (parentOwner != msg.sender) revert NotDatasetOwner(parent, msg.sender);
        }
        datasetId = _nextId;
        ++_nextId;
        for (uint256 i = 0; i < deviceIds.length; ++i) {
            uint256 deviceId = deviceIds[i];
            if (!devices.canPublish(deviceId, msg.sender)) revert DeviceNotAuthorised(deviceId, msg.sender);
            if (_hasDevice[datasetId][deviceId]) revert DuplicateDevice(deviceId);
            _hasDevice[datasetId][deviceId] = true;
        }
        _datasets[datasetId] = Dataset({
            owner: msg.sender,
            publishedAt: uint40(block.timestamp),
            qualityScore: qualityScore,
            parent: uint32(parent),
            circuit: circuit,
            root: root,
            anchor: _anchor(manifestCid, keyCommitment, statsDigest)
        });
        emit DatasetPublished(
            datasetId,
            msg.sender,
            parent,
            manifestCid,
            root,
            keyCommitment,
            statsDigest,
            qualityScore,
            circuit,
            deviceIds
        );
    }

    /// @inheritdoc IDatasetRegistry
    function attestQuality(
        uint256 datasetId,
        uint16 score,
        string calldata reportCid
    ) external onlyRole(ASSESSOR_ROLE) {
        if (_datasets[datasetId].owner == address(0)) revert UnknownDataset(datasetId);
        if (score > MAX_SCORE) revert InvalidQualityScore(score);
        _attestations[datasetId] = Attestation({
            assessor: msg.sender,
            score: score,
            attestedAt: uint40(block.timestamp)
        });
        emit QualityAttested(datasetId, msg.sender, score, reportCid);
    }

    /// @inheritdoc IDatasetRegistry
    function setVerifier(
        uint8 circuit,
        address verifier,
        bytes32 setupRecord,
        ProofSystem system
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (verifier.code.length == 0) revert InvalidVerifier(verifier);
        if (setupRecord == bytes32(0)) revert MissingSetupRecord(circuit);
        address current = verifiers[circuit];
        if (current != address(0)) revert VerifierAlreadySet(circuit, current);
        verifiers[circuit] = verifier;
        setupRecords[circuit] = setupRecord;
        proofSystems[circuit] = system;
        emit VerifierSet(circuit, verifier, setupRecord, system);
    }

    /// @inheritdoc IDatasetRegistry
    function verifyBatch(
        uint256 datasetId,
        BatchProof calldata batch,
        uint256[] calldata siblings,
        uint256 leafIndex
    ) external view returns (bool) {
        Dataset storage dataset = _datasets[datasetId];
        if (dataset.owner == address(0)) revert UnknownDataset(datasetId);
        if (!_proofVerifies(datasetId, dataset.circuit, batch)) revert InvalidProof(datasetId);
        uint256 commitment = batch.publicSignals[0];
        if (_leanImtRoot(commitment, siblings, leafIndex) != dataset.root)
            revert CommitmentNotInDataset(datasetId, commitment);
        uint256 deviceId = batch.publicSignals[1];
        if (!_hasDevice[datasetId][deviceId]) revert DeviceNotInDataset(datasetId, deviceId);
        return true;
    }

    /// @notice How many datasets were published (ids run from 1 to this).
    /// @return The count.
    function datasetCount() external view returns (uint256) {
        return _nextId - 1;
    }

    /// @inheritdoc IDatasetRegistry
    function datasetOf(uint256 datasetId) external view returns (Dataset memory) {
        return _datasets[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function anchorOf(uint256 datasetId) external view returns (bytes32) {
        return _datasets[datasetId].anchor;
    }

    /// @inheritdoc IDatasetRegistry
    function ownerOf(uint256 datasetId) external view returns (address) {
        address owner = _datasets[datasetId].owner;
        if (owner == address(0)) revert UnknownDataset(datasetId);
        return owner;
    }

    /// @inheritdoc IDatasetRegistry
    function hasDevice(uint256 datasetId, uint256 deviceId) external view returns (bool) {
        return _hasDevice[datasetId][deviceId];
    }

    /// @inheritdoc IDatasetRegistry
    function attestationOf(uint256 datasetId) external view returns (Attestation memory) {
        return _attestations[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function computeAnchor(
        string calldata manifestCid,
        uint256 keyCommitment,
        bytes32 statsDigest
    ) external pure returns (bytes32) {
        return _anchor(manifestCid, keyCommitment, statsDigest);
    }

    /// @dev Runs the slot's verifier on the batch's proof, as its proof system takes it. bb's
    /// UltraHonk verifier reverts on most invalid proofs: a revert is a rejection (the call gets all
    /// the gas this frame may forward; running out of it rejects too, never accepts).
    function _proofVerifies(uint256 datasetId, uint8 circuit, BatchProof calldata batch) private view returns (bool) {
        address verifier = verifiers[circuit];
        if (proofSystems[circuit] == ProofSystem.UltraHonk) {
            bytes32[] memory inputs = new bytes32[](6);
            for (uint256 i = 0; i < 6; ++i) inputs[i] = bytes32(batch.publicSignals[i]);
            try IHonkVerifier(verifier).verify(batch.proof, inputs) returns (bool valid) {
                return valid;
            } catch {
                return false;
            }
        }
        if (batch.proof.length != 256) revert MalformedProof(datasetId, batch.proof.length);
        uint256[8] memory p = abi.decode(batch.proof, (uint256[8]));
        return
            ISensorStatsVerifier(verifier).verifyProof(
                [p[0], p[1]],
                [[p[2], p[3]], [p[4], p[5]]],
                [p[6], p[7]],
                batch.publicSignals
            );
    }

    function _anchor(
        string calldata manifestCid,
        uint256 keyCommitment,
        bytes32 statsDigest
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(keccak256(bytes(manifestCid)), keyCommitment, statsDigest));
    }

    /// @dev The root a LeanIMT inclusion proof leads to (zk-kit's verifyProof: levels where a node
    /// has no right sibling are skipped, so `siblings` holds only real siblings).
    function _leanImtRoot(
        uint256 leaf,
        uint256[] calldata siblings,
        uint256 index
    ) private view returns (uint256 node) {
        node = leaf;
        for (uint256 i = 0; i < siblings.length; ++i) {
            node = (index >> i) & 1 == 1 ? poseidon.hash([siblings[i], node]) : poseidon.hash([node, siblings[i]]);
        }
    }
}
