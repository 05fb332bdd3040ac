// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IKeyEscrow} from "./interfaces/IKeyEscrow.sol";
import {IKeyTransferVerifier} from "./interfaces/IKeyTransferVerifier.sol";

/// @title KeyEscrow
/// @notice Zero-knowledge contingent payment for dataset keys. A buyer escrows the listed price with
/// a BabyJubJub public key (the y of its point); whoever holds the data key settles by posting it
/// encrypted to that key with a Groth16 proof that it opens the dataset's anchored key commitment,
/// and the escrow then buys the access for the buyer through DataMarket (`buyFor`: the same fee,
/// splits and access token as `buy`). An order unsettled at its deadline may be refunded to the buyer.
/// @dev One storage slot per order: the hash of its terms while open; settling clears it (the
/// refund for clearing a slot pays part of the settlement; a cleared slot under an id already
/// issued means settled), refunding leaves a marker. The terms travel in the OrderOpened event and
/// come back as calldata.
/// Refunds are paid straight to the buyer (anyone may trigger one): only the buyer can make its own
/// refund fail, so nobody else's payout waits on it. Settlement pays DataMarket, which credits the
/// seller, the revenue splits and the treasury for pull withdrawal as for every sale.
contract KeyEscrow is IKeyEscrow, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev The BN254 scalar field: public signals (keys, nonces) must be below it.
    uint256 private constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev A refunded order's slot (no keccak256 output is 0 or 2 in practice; a settled one is 0).
    bytes32 private constant REFUNDED = bytes32(uint256(2));
    uint64 public constant MAX_SETTLEMENT_WINDOW = 30 days;

    IDataMarket public immutable market;
    IDatasetRegistry public immutable datasets;
    IKeyTransferVerifier public immutable verifier;
    /// @notice Seconds from opening to an order's deadline (fixed at deployment: a buyer knows at
    /// once how long its payment may wait, and no admin can change it for open orders).
    uint64 public immutable settlementWindow;

    /// @dev Starts at 1 (set in the constructor), so no open pays for a zero-to-nonzero write.
    uint256 private _nextId;
    mapping(uint256 orderId => bytes32) private _orders;

    /// @param market_ The market that sells the access (must grant this contract ESCROW_ROLE).
    /// @param datasets_ The dataset registry (anchors key commitments).
    /// @param verifier_ The generated key-transfer Groth16 verifier.
    /// @param settlementWindow_ Seconds from opening to the deadline (1 .. MAX_SETTLEMENT_WINDOW).
    constructor(
        IDataMarket market_,
        IDatasetRegistry datasets_,
        IKeyTransferVerifier verifier_,
        uint64 settlementWindow_
    ) {
        if (address(verifier_).code.length == 0) revert InvalidVerifier(address(verifier_));
        if (settlementWindow_ == 0 || settlementWindow_ > MAX_SETTLEMENT_WINDOW)
            revert InvalidSettlementWindow(settlementWindow_);
        market = market_;
        datasets = datasets_;
        verifier = verifier_;
        settlementWindow = settlementWindow_;
        _nextId = 1;
    }

    /// @inheritdoc IKeyEscrow
    function open(
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod,
        uint256 buyerKey
    ) external payable nonReentrant returns (uint256 orderId) {
        if (buyerKey >= FIELD) revert InvalidBuyerKey(buyerKey);
        IDataMarket.Listing memory listing = market.listingOf(datasetId);
        if (!listing.active) revert NotListed(datasetId);
        if (listing.price != price || listing.paymentToken != paymentToken || listing.accessPeriod != accessPeriod)
            revert ListingChanged(datasetId, listing.price, listing.paymentToken, listing.accessPeriod);
        orderId = _nextId;
        ++_nextId;
        Order memory order = Order({
            id: orderId,
            buyer: msg.sender,
            datasetId: datasetId,
            paymentToken: paymentToken,
            price: price,
            accessPeriod: accessPeriod,
            deadline: uint64(block.timestamp) + settlementWindow,
            buyerKey: buyerKey,
            anchor: datasets.anchorOf(datasetId)
        });
        _orders[orderId] = keccak256(abi.encode(order));
        _collect(paymentToken, price);
        emit OrderOpened(orderId, datasetId, msg.sender, order, _nonce(orderId));
    }

    /// @inheritdoc IKeyEscrow
    /// @dev A settlement after the deadline is still a delivery at the agreed terms, so it stands
    /// until a refund lands. The seller's node should settle well before the deadline all the same:
    /// from the moment its transaction is broadcast the ciphertext is public, and after the deadline
    /// the buyer could front-run it with a refund.
    function settle(
        Order calldata order,
        uint256[8] calldata proof,
        uint256 ephemeralKey,
        uint256 cipherHi,
        uint256 cipherLo,
        AnchorPreimage calldata anchor
    ) external nonReentrant returns (uint64 expiresAt) {
        _checkOpen(order);
        // The anchor was read into the order at opening: settling reads nothing from the registry.
        if (keccak256(abi.encode(anchor)) != order.anchor) revert AnchorMismatch(order.datasetId);
        uint256 nonce = _nonce(order.id);
        uint256[6] memory signals = [anchor.keyCommitment, order.buyerKey, ephemeralKey, cipherHi, cipherLo, nonce];
        if (!_verifies(proof, signals)) revert InvalidKeyProof(order.id);
        delete _orders[order.id]; // settled (see orderStatus)
        expiresAt = _buy(order);
        emit OrderSettled(order.id, order.datasetId, order.buyer, nonce, ephemeralKey, cipherHi, cipherLo, expiresAt);
    }

    /// @inheritdoc IKeyEscrow
    function refund(Order calldata order) external nonReentrant {
        _checkOpen(order);
        if (block.timestamp < order.deadline) revert DeadlineNotReached(order.id, order.deadline);
        _orders[order.id] = REFUNDED;
        if (order.paymentToken == address(0)) {
            (bool ok, ) = order.buyer.call{value: order.price}("");
            if (!ok) revert NativeTransferFailed(order.buyer, order.price);
        } else {
            IERC20(order.paymentToken).safeTransfer(order.buyer, order.price);
        }
        emit OrderRefunded(order.id, order.buyer, order.paymentToken, order.price);
    }

    /// @inheritdoc IKeyEscrow
    function orderStatus(uint256 orderId) external view returns (OrderStatus) {
        bytes32 stored = _orders[orderId];
        if (stored == REFUNDED) return OrderStatus.Refunded;
        if (stored != bytes32(0)) return OrderStatus.Open;
        return _issued(orderId) ? OrderStatus.Settled : OrderStatus.None;
    }

    /// @inheritdoc IKeyEscrow
    function orderNonce(uint256 orderId) external view returns (uint256) {
        return _nonce(orderId);
    }

    /// @inheritdoc IKeyEscrow
    function hashOrder(Order calldata order) external pure returns (bytes32) {
        return keccak256(abi.encode(order));
    }

    /// @notice How many orders were opened (ids run from 1 to this).
    /// @return The count.
    function orderCount() external view returns (uint256) {
        return _nextId - 1;
    }

    /// @dev Reverts unless `order` is open under its id exactly as given.
    function _checkOpen(Order calldata order) private view {
        bytes32 stored = _orders[order.id];
        if (stored == keccak256(abi.encode(order))) return;
        if (stored == bytes32(0))
            revert OrderNotOpen(order.id, _issued(order.id) ? OrderStatus.Settled : OrderStatus.None);
        if (stored == REFUNDED) revert OrderNotOpen(order.id, OrderStatus.Refunded);
        revert OrderMismatch(order.id);
    }

    /// @dev Whether `orderId` was ever opened: ids are issued once, in order, from 1.
    function _issued(uint256 orderId) private view returns (bool) {
        return orderId != 0 && orderId < _nextId;
    }

    /// @dev The circuit's orderNonce: the order id bound to this chain and this contract, so a proof
    /// for one order cannot settle an order of another escrow or chain with the same id and buyer key.
    function _nonce(uint256 orderId) private view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), orderId))) % FIELD;
    }

    /// @dev The generated verifier returns false on every bad proof (points off the curve, signals
    /// outside the field included) rather than reverting; a revert counts as false all the same.
    /// verifyProof's arguments (a[2], b[2][2], c[2], signals[6]) are 14 static words, in the ABI the
    /// proof's 8 words then the signals: the call is encoded so, without building the nested arrays.
    function _verifies(uint256[8] calldata proof, uint256[6] memory signals) private view returns (bool) {
        (bool ok, bytes memory result) = address(verifier).staticcall(
            abi.encodeWithSelector(IKeyTransferVerifier.verifyProof.selector, proof, signals)
        );
        return ok && result.length == 32 && abi.decode(result, (bool));
    }

    /// @dev Buys the order's access for its buyer with the escrowed payment (native: as the call's
    /// value; ERC-20: an allowance DataMarket's transferFrom uses up exactly).
    function _buy(Order calldata order) private returns (uint64) {
        if (order.paymentToken == address(0))
            return
                market.buyFor{value: order.price}(
                    order.buyer,
                    order.datasetId,
                    order.price,
                    address(0),
                    order.accessPeriod
                );
        IERC20(order.paymentToken).forceApprove(address(market), order.price);
        return market.buyFor(order.buyer, order.datasetId, order.price, order.paymentToken, order.accessPeriod);
    }

    /// @dev Takes `amount` from the caller in `token` (native: msg.value must be exactly it), as
    /// DataMarket collects a purchase.
    function _collect(address token, uint256 amount) private {
        if (token == address(0)) {
            if (msg.value != amount) revert IncorrectPayment(msg.value, amount);
        } else {
            if (msg.value != 0) revert UnexpectedNativePayment(msg.value);
            // Escrow only what arrived: a token that takes a cut cannot leave the escrow owing more
            // than it holds.
            uint256 before = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = IERC20(token).balanceOf(address(this)) - before;
            if (received != amount) revert PaymentShortfall(token, received, amount);
        }
    }
}
