// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Registry of published datasets: provenance anchors and on-chain batch-proof checks
interface IDatasetRegistry {
    /// @notice What is stored per dataset (three slots; the rest lives in the event and the anchor).
    /// @param owner The publisher.
    /// @param publishedAt Block timestamp of publication.
    /// @param qualityScore Publisher's quality score in hundredths (0..10000).
    /// @param parent Dataset this one is a new version of (0: none).
    /// @param circuit Verifier slot of the SensorStats circuit its batches were proven with.
    /// @param root Poseidon LeanIMT root over the batch commitments.
    /// @param anchor keccak256(abi.encode(keccak256(bytes(manifestCid)), keyCommitment, statsDigest)).
    struct Dataset {
        address owner;
        uint40 publishedAt;
        uint16 qualityScore;
        uint32 parent;
        uint8 circuit;
        uint256 root;
        bytes32 anchor;
    }

    /// @notice The latest assessor attestation of a dataset's quality.
    struct Attestation {
        address assessor;
        uint16 score;
        uint40 attestedAt;
    }

    /// @notice The proof system of a circuit slot's verifier (recorded with it by `setVerifier`).
    enum ProofSystem {
        Groth16,
        UltraHonk
    }

    /// @notice A batch proof and its six public signals (commitment, device, series, batch, sums,
    /// bounds). For a Groth16 slot `proof` is `abi.encode(uint256[8])`, snarkjs's a[2], b[2][2], c[2]
    /// flattened as it exports them for Solidity (exactly 256 bytes); for an UltraHonk slot it is
    /// bb's proof bytes, verified with the six signals as the program's public inputs.
    struct BatchProof {
        bytes proof;
        uint256[6] publicSignals;
    }

    error UnknownDataset(uint256 datasetId);
    error NotDatasetOwner(uint256 datasetId, address caller);
    error EmptyManifestCid();
    error InvalidRoot(uint256 root);
    error InvalidQualityScore(uint16 score);
    error NoDevices();
    error DuplicateDevice(uint256 deviceId);
    error DeviceNotAuthorised(uint256 deviceId, address publisher);
    error UnknownCircuit(uint8 circuit);
    error VerifierAlreadySet(uint8 circuit, address verifier);
    error InvalidVerifier(address verifier);
    error MissingSetupRecord(uint8 circuit);
    error InvalidProof(uint256 datasetId);
    error MalformedProof(uint256 datasetId, uint256 length);
    error CommitmentNotInDataset(uint256 datasetId, uint256 commitment);
    error DeviceNotInDataset(uint256 datasetId, uint256 deviceId);

    /// @notice A dataset was anchored.
    event DatasetPublished(
        uint256 indexed datasetId,
        address indexed owner,
        uint256 indexed parent,
        string manifestCid,
        uint256 root,
        uint256 keyCommitment,
        bytes32 statsDigest,
        uint16 qualityScore,
        uint8 circuit,
        uint256[] deviceIds
    );
    /// @notice An assessor attested a dataset's quality with a report.
    event QualityAttested(uint256 indexed datasetId, address indexed assessor, uint16 score, string reportCid);
    /// @notice A SensorStats verifier was installed in a circuit slot (once, never replaced), with
    /// the sha256 of its setup record (an IPFS raw block: where its verification key came from)
    /// and the proof system it verifies.
    event VerifierSet(uint8 indexed circuit, address verifier, bytes32 setupRecord, ProofSystem system);

    /// @notice Anchors a dataset. Every named device must be registered, unrevoked, and the caller's
    /// or authorised for the caller.
    /// @param manifestCid CID of the dataset manifest in IPFS.
    /// @param root Poseidon LeanIMT root over the batch commitments.
    /// @param keyCommitment Poseidon commitment to the data key.
    /// @param qualityScore Quality score in hundredths (0..10000).
    /// @param statsDigest Digest of the proven statistics (as in the manifest).
    /// @param deviceIds Devices that signed the batches (Poseidon of their keys).
    /// @param parent Previous version of this dataset, by the same owner (0: none).
    /// @param circuit Verifier slot of the circuit the batches were proven with.
    /// @return datasetId The new dataset's id (1, 2, ...).
    function publish(
        string calldata manifestCid,
        uint256 root,
        uint256 keyCommitment,
        uint16 qualityScore,
        bytes32 statsDigest,
        uint256[] calldata deviceIds,
        uint256 parent,
        uint8 circuit
    ) external returns (uint256 datasetId);

    /// @notice Records an assessor's quality score for a dataset (ASSESSOR_ROLE).
    /// @param datasetId The dataset.
    /// @param score Score in hundredths (0..10000).
    /// @param reportCid CID of the quality report.
    function attestQuality(uint256 datasetId, uint16 score, string calldata reportCid) external;

    /// @notice Installs the verifier of a circuit slot, once (DEFAULT_ADMIN_ROLE), with the record
    /// of the setup its key came from and the proof system it verifies.
    /// @param circuit The slot.
    /// @param verifier A generated SensorStats verifier: an `ISensorStatsVerifier` (Groth16) or an
    /// `IHonkVerifier` (UltraHonk).
    /// @param setupRecord sha256 of the circuit's setup record, which is also its CID (CIDv1, raw,
    /// sha2-256): verifiers fetch the record from IPFS and check their key against it.
    /// @param system The verifier's proof system: how `verifyBatch` calls it.
    function setVerifier(uint8 circuit, address verifier, bytes32 setupRecord, ProofSystem system) external;

    /// @notice The proof system of a circuit slot's verifier.
    /// @param circuit The slot.
    /// @return The system recorded by `setVerifier`; Groth16 (zero) for an empty slot.
    function proofSystems(uint8 circuit) external view returns (ProofSystem);

    /// @notice The sha256 (and CID) of the setup record anchored with a circuit slot's verifier.
    /// @param circuit The slot.
    /// @return The record's sha256; zero for an empty slot.
    function setupRecords(uint8 circuit) external view returns (bytes32);

    /// @notice Checks one batch of a dataset: the proof verifies with the verifier of the dataset's
    /// circuit slot (Groth16 or UltraHonk, as the slot records), its commitment is a leaf of the
    /// anchored root, and its device is one of the dataset's. A Groth16 proof that is not 256 bytes
    /// reverts with MalformedProof; a proof the verifier refuses, by returning false or by
    /// reverting (bb's UltraHonk verifier reverts on most bad proofs), with InvalidProof.
    /// @param datasetId The dataset.
    /// @param batch Proof (encoded for the slot's proof system, see BatchProof) and public signals.
    /// @param siblings LeanIMT inclusion path of the commitment.
    /// @param leafIndex Index of the commitment among the leaves.
    /// @return True; reverts with the reason otherwise.
    function verifyBatch(
        uint256 datasetId,
        BatchProof calldata batch,
        uint256[] calldata siblings,
        uint256 leafIndex
    ) external view returns (bool);

    /// @notice The stored record.
    /// @param datasetId The dataset.
    /// @return The record.
    function datasetOf(uint256 datasetId) external view returns (Dataset memory);

    /// @notice The dataset's anchor alone, one storage read (`datasetOf` reads all three slots): what
    /// a contract checks a claimed manifest CID, key commitment and stats digest against.
    /// @param datasetId The dataset.
    /// @return keccak256(abi.encode(keccak256(bytes(manifestCid)), keyCommitment, statsDigest)); zero
    /// for a dataset never published.
    function anchorOf(uint256 datasetId) external view returns (bytes32);

    /// @notice The dataset's owner.
    /// @param datasetId The dataset.
    /// @return The owner.
    function ownerOf(uint256 datasetId) external view returns (address);

    /// @notice Whether the device was named in the dataset.
    /// @param datasetId The dataset.
    /// @param deviceId The device.
    /// @return True when named.
    function hasDevice(uint256 datasetId, uint256 deviceId) external view returns (bool);

    /// @notice The latest quality attestation.
    /// @param datasetId The dataset.
    /// @return The attestation (zero assessor when none).
    function attestationOf(uint256 datasetId) external view returns (Attestation memory);

    /// @notice The anchor a dataset's manifest CID, key commitment and stats digest must hash to.
    /// @param manifestCid CID of the manifest.
    /// @param keyCommitment Key commitment.
    /// @param statsDigest Stats digest.
    /// @return keccak256(abi.encode(keccak256(bytes(manifestCid)), keyCommitment, statsDigest)).
    function computeAnchor(
        string calldata manifestCid,
        uint256 keyCommitment,
        bytes32 statsDigest
    ) external pure returns (bytes32);
}
