// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IKeyEscrow} from "./interfaces/IKeyEscrow.sol";
import {IKeyTransferVerifier} from "./interfaces/IKeyTransferVerifier.sol";
import {IStreamSubscriptions} from "./interfaces/IStreamSubscriptions.sol";

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
/// A stream order (a trustless subscription) is stored the same way, plus two bits per window
/// (open, settled, refunded): each window is settled with its own proof and pays its own share.
contract KeyEscrow is IKeyEscrow, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev The BN254 scalar field: public signals (keys, nonces) must be below it.
    uint256 private constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev A refunded order's slot (no keccak256 output is 0 or 2 in practice; a settled one is 0).
    bytes32 private constant REFUNDED = bytes32(uint256(2));
    uint64 public constant MAX_SETTLEMENT_WINDOW = 30 days;
    /// @dev As DataMarket.MAX_PERIODS: a stream order buys 1 .. 1000 periods.
    uint256 private constant MAX_PERIODS = 1_000;
    /// @dev Window states, two bits each (OrderStatus Open = 0 here, Settled, Refunded), 128 per word.
    uint256 private constant WINDOW_SETTLED = 1;
    uint256 private constant WINDOW_REFUNDED = 2;

    IDataMarket public immutable market;
    IDatasetRegistry public immutable datasets;
    IKeyTransferVerifier public immutable verifier;
    /// @notice Seconds from opening to an order's deadline, and from a stream window's end (or the
    /// stream order's opening, if later) to the window's (fixed at deployment: a buyer knows at
    /// once how long its payment may wait, and no admin can change it for open orders).
    uint64 public immutable settlementWindow;

    /// @dev Starts at 1 (set in the constructor), so no open pays for a zero-to-nonzero write.
    uint256 private _nextId;
    mapping(uint256 orderId => bytes32) private _orders;
    mapping(uint256 orderId => mapping(uint256 word => uint256 states)) private _windowStates;

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
        _payBack(order.buyer, order.paymentToken, order.price);
        emit OrderRefunded(order.id, order.buyer, order.paymentToken, order.price);
    }

    /// @inheritdoc IKeyEscrow
    function openStream(
        uint256 streamId,
        uint64 firstWindow,
        uint256 periods,
        uint256 expectedPrice,
        uint256 buyerKey
    ) external payable nonReentrant returns (uint256 orderId) {
        if (buyerKey >= FIELD) revert InvalidBuyerKey(buyerKey);
        IStreamSubscriptions.Stream memory stream = IStreamSubscriptions(address(market)).streamOf(streamId);
        if (periods == 0 || periods > MAX_PERIODS) revert InvalidPeriods(periods);
        if (stream.pricePerPeriod != expectedPrice)
            revert StreamPriceMismatch(streamId, expectedPrice, stream.pricePerPeriod);
        // period <= 100 years and a multiple of windowLength (DataMarket checks both at creation).
        uint256 windowCount = (periods * stream.period) / stream.windowLength;
        uint256 firstStart = uint256(stream.start) + uint256(firstWindow) * stream.windowLength;
        uint256 lastDeadline = firstStart + windowCount * stream.windowLength + settlementWindow;
        // (The deadline of a window that ended before the opening is block.timestamp + settlementWindow.)
        // A first window more than a period ahead (of now, or of the stream's start) is a typo that
        // would hold the payment as long.
        uint256 horizon = (block.timestamp > stream.start ? block.timestamp : stream.start) + stream.period;
        if (lastDeadline > type(uint64).max || firstStart > horizon)
            revert InvalidWindowRange(firstWindow, uint64(windowCount));
        // Every window must pay something: a window worth 0 would still cost its seller a settlement.
        uint256 amount = uint256(stream.pricePerPeriod) * periods;
        if (amount < windowCount) revert WindowShareTooSmall(amount, uint64(windowCount));
        orderId = _nextId;
        ++_nextId;
        StreamOrder memory order = StreamOrder({
            id: orderId,
            buyer: msg.sender,
            streamId: streamId,
            paymentToken: stream.paymentToken,
            amount: amount,
            firstWindow: firstWindow,
            windowCount: uint64(windowCount),
            streamStart: stream.start,
            windowLength: stream.windowLength,
            openedAt: uint64(block.timestamp),
            buyerKey: buyerKey
        });
        _orders[orderId] = keccak256(abi.encode(order));
        _collect(order.paymentToken, order.amount);
        emit StreamOrderOpened(orderId, streamId, msg.sender, order);
    }

    /// @inheritdoc IKeyEscrow
    /// @dev The window's anchor is read at settlement (the window may be attached after the order
    /// was opened); DatasetRegistry never changes an anchor, and the stream's owner is the only one
    /// who can attach a window.
    function settleWindow(
        StreamOrder calldata order,
        uint64 windowIndex,
        uint256[8] calldata proof,
        uint256 ephemeralKey,
        uint256 cipherHi,
        uint256 cipherLo,
        AnchorPreimage calldata anchor
    ) external nonReentrant returns (uint256 datasetId) {
        _checkStreamOrder(order);
        uint256 k = _windowOffset(order, windowIndex);
        uint256 state = _windowState(order.id, k);
        if (state != 0) revert WindowClosed(order.id, windowIndex, _statusOf(state));
        uint256 nonce;
        (datasetId, nonce) = _proveWindow(order, windowIndex, proof, [ephemeralKey, cipherHi, cipherLo], anchor);
        _windowStates[order.id][k >> 7] |= WINDOW_SETTLED << ((k & 127) << 1);
        _buyWindow(order, windowIndex, _windowShare(order, k));
        emit WindowSettled(
            order.id,
            datasetId,
            order.buyer,
            order.streamId,
            windowIndex,
            nonce,
            ephemeralKey,
            cipherHi,
            cipherLo
        );
    }

    /// @inheritdoc IKeyEscrow
    function refundWindows(
        StreamOrder calldata order,
        uint64 fromWindow,
        uint64 toWindow
    ) external nonReentrant returns (uint256 amount) {
        _checkStreamOrder(order);
        if (toWindow <= fromWindow) revert WindowNotInOrder(order.id, fromWindow);
        uint256 first = _windowOffset(order, fromWindow);
        uint256 end = _windowOffset(order, toWindow - 1) + 1;
        uint64 deadline = _windowDeadline(order, toWindow - 1);
        if (block.timestamp < deadline) revert DeadlineNotReached(order.id, deadline);
        // One read and one write per word of 128 windows; the shares of a run of consecutive open
        // windows telescope (amount·b/N − amount·a/N), so there are two divisions per run, not per window.
        uint256 word = first >> 7;
        uint256 states = _windowStates[order.id][word];
        uint256 runStart = type(uint256).max;
        for (uint256 k = first; k < end;) {
            if (k >> 7 != word) {
                _windowStates[order.id][word] = states;
                word = k >> 7;
                states = _windowStates[order.id][word];
            }
            uint256 shift = (k & 127) << 1;
            if ((states >> shift) & 3 == 0) {
                states |= WINDOW_REFUNDED << shift;
                if (runStart == type(uint256).max) runStart = k;
            } else if (runStart != type(uint256).max) {
                amount += _sharesBetween(order, runStart, k);
                runStart = type(uint256).max;
            }
            unchecked {
                ++k;
            }
        }
        if (runStart != type(uint256).max) amount += _sharesBetween(order, runStart, end);
        _windowStates[order.id][word] = states;
        if (amount == 0) revert NothingToRefund(order.id, fromWindow, toWindow);
        _payBack(order.buyer, order.paymentToken, amount);
        emit WindowsRefunded(order.id, order.buyer, fromWindow, toWindow, order.paymentToken, amount);
    }

    /// @inheritdoc IKeyEscrow
    function windowStatus(StreamOrder calldata order, uint64 windowIndex) external view returns (OrderStatus) {
        if (_orders[order.id] != keccak256(abi.encode(order))) return OrderStatus.None;
        if (windowIndex < order.firstWindow || windowIndex - order.firstWindow >= order.windowCount)
            return OrderStatus.None;
        return _statusOf(_windowState(order.id, windowIndex - order.firstWindow));
    }

    /// @inheritdoc IKeyEscrow
    function windowNonce(uint256 orderId, uint64 windowIndex) external view returns (uint256) {
        return _windowNonce(orderId, windowIndex);
    }

    /// @inheritdoc IKeyEscrow
    function windowDeadline(StreamOrder calldata order, uint64 windowIndex) external view returns (uint64) {
        _windowOffset(order, windowIndex);
        return _windowDeadline(order, windowIndex);
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

    /// @dev Checks a window's key-transfer proof against its dataset's anchored key commitment;
    /// `delivery` is (ephemeralKey, cipherHi, cipherLo). Returns the dataset and the window's nonce.
    function _proveWindow(
        StreamOrder calldata order,
        uint64 windowIndex,
        uint256[8] calldata proof,
        uint256[3] memory delivery,
        AnchorPreimage calldata anchor
    ) private view returns (uint256 datasetId, uint256 nonce) {
        datasetId = IStreamSubscriptions(address(market)).windowDataset(order.streamId, windowIndex);
        if (datasetId == 0) revert IStreamSubscriptions.WindowNotPublished(order.streamId, windowIndex);
        if (keccak256(abi.encode(anchor)) != datasets.anchorOf(datasetId)) revert AnchorMismatch(datasetId);
        nonce = _windowNonce(order.id, windowIndex);
        uint256[6] memory signals = [
            anchor.keyCommitment,
            order.buyerKey,
            delivery[0],
            delivery[1],
            delivery[2],
            nonce
        ];
        if (!_verifies(proof, signals)) revert InvalidKeyProof(order.id);
    }

    /// @dev Buys one window for the order's buyer with its share of the escrow (as `_buy`).
    function _buyWindow(StreamOrder calldata order, uint64 windowIndex, uint256 share) private {
        IStreamSubscriptions streams = IStreamSubscriptions(address(market));
        if (order.paymentToken == address(0)) {
            streams.buyWindowFor{value: share}(order.buyer, order.streamId, windowIndex, share);
        } else {
            IERC20(order.paymentToken).forceApprove(address(market), share);
            streams.buyWindowFor(order.buyer, order.streamId, windowIndex, share);
        }
    }

    /// @dev Reverts unless `order` is the stream order opened under its id exactly as given (its slot
    /// keeps the hash for good: the windows carry the state).
    function _checkStreamOrder(StreamOrder calldata order) private view {
        bytes32 stored = _orders[order.id];
        if (stored == keccak256(abi.encode(order))) return;
        if (stored == bytes32(0)) revert OrderNotOpen(order.id, OrderStatus.None);
        revert OrderMismatch(order.id);
    }

    /// @dev The window's place in the order (0 .. windowCount - 1), or WindowNotInOrder.
    function _windowOffset(StreamOrder calldata order, uint64 windowIndex) private pure returns (uint256) {
        if (windowIndex < order.firstWindow || windowIndex - order.firstWindow >= order.windowCount)
            revert WindowNotInOrder(order.id, windowIndex);
        return windowIndex - order.firstWindow;
    }

    function _windowState(uint256 orderId, uint256 k) private view returns (uint256) {
        return (_windowStates[orderId][k >> 7] >> ((k & 127) << 1)) & 3;
    }

    function _statusOf(uint256 state) private pure returns (OrderStatus) {
        if (state == WINDOW_SETTLED) return OrderStatus.Settled;
        if (state == WINDOW_REFUNDED) return OrderStatus.Refunded;
        return OrderStatus.Open;
    }

    /// @dev Window k's share: the shares of windows 0..k add up to amount·(k+1)/windowCount, so all
    /// of them to the amount, with no wei left over.
    function _windowShare(StreamOrder calldata order, uint256 k) private pure returns (uint256) {
        return _sharesBetween(order, k, k + 1);
    }

    /// @dev The shares of windows a .. b − 1 of the order (offsets), together.
    function _sharesBetween(StreamOrder calldata order, uint256 a, uint256 b) private pure returns (uint256) {
        return (order.amount * b) / order.windowCount - (order.amount * a) / order.windowCount;
    }

    /// @dev The settlement window after the window's end, or after the opening when the window had
    /// ended by then: a seller always gets the whole settlement window to deliver, so a buyer cannot
    /// buy a past window and refund it in the next block, racing the settlement that shows the key
    /// (fits: checked at opening for the last window).
    function _windowDeadline(StreamOrder calldata order, uint64 windowIndex) private view returns (uint64) {
        uint64 end = order.streamStart + (windowIndex + 1) * order.windowLength;
        return (end > order.openedAt ? end : order.openedAt) + settlementWindow;
    }

    /// @dev A window's orderNonce: four words hashed where a dataset order's nonce hashes three.
    function _windowNonce(uint256 orderId, uint64 windowIndex) private view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), orderId, windowIndex))) % FIELD;
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

    /// @dev Pays a refund straight to the buyer (native coin or ERC-20).
    function _payBack(address buyer, address token, uint256 amount) private {
        if (token == address(0)) {
            (bool ok, ) = buyer.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(buyer, amount);
        } else {
            IERC20(token).safeTransfer(buyer, amount);
        }
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
