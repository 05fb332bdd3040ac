// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IStreamSubscriptions} from "./interfaces/IStreamSubscriptions.sol";

/// @title DataMarket
/// @notice Sells access to datasets as ERC-1155 tokens (token id = dataset id). A purchase takes a
/// protocol fee to the treasury, splits the rest between revenue-share accounts and the seller,
/// and credits everyone for pull withdrawal. Access can be perpetual or last a period, and a
/// renewal extends it. Streams are sold by subscription: a subscription covers whole windows of
/// time, and every window dataset attached to the stream inside it is readable.
/// @dev Access tokens are not transferable: access is a licence of the buyer, and its expiry is
/// kept per account. The key escrow (ESCROW_ROLE) buys for its buyers through `buyFor`, the same
/// code as `buy`, and one stream window at a time through `buyWindowFor`.
contract DataMarket is IDataMarket, IStreamSubscriptions, ERC1155, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant FEE_ADMIN_ROLE = keccak256("FEE_ADMIN_ROLE");
    /// @notice May buy on a buyer's behalf (`buyFor`, `buyWindowFor`): the KeyEscrow, granted at deployment.
    bytes32 public constant ESCROW_ROLE = keccak256("ESCROW_ROLE");
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint16 private constant BPS = 10_000;
    uint256 public constant MAX_SPLITS = 16;
    uint64 public constant MAX_ACCESS_PERIOD = 100 * 365 days;
    uint256 public constant MAX_PERIODS = 1_000;
    /// @dev Stream subscription tokens have the top bit set; dataset ids never reach it.
    uint256 private constant STREAM_TOKEN_BIT = 1 << 255;

    /// @dev A window dataset's place: stored as streamId + 1 so that zero means "not a window".
    struct WindowRef {
        uint192 streamIdPlusOne;
        uint64 index;
    }

    /// @dev Fee terms packed in one slot, read once per purchase.
    struct FeeTerms {
        address treasury;
        uint16 bps;
    }

    IDatasetRegistry public immutable datasets;
    FeeTerms private _fee;

    mapping(uint256 datasetId => Listing) private _listings;
    mapping(uint256 datasetId => Split[]) private _splits;
    mapping(address account => mapping(uint256 datasetId => uint64)) private _expiry;
    mapping(address account => mapping(address token => uint256)) private _owed;

    uint256 private _streamCount;
    mapping(uint256 streamId => Stream) private _streams;
    mapping(uint256 streamId => Split[]) private _streamSplits;
    mapping(uint256 streamId => uint256[]) private _streamDevices;
    mapping(address account => mapping(uint256 streamId => Subscription)) private _subscriptions;
    /// @dev Earlier, lapsed subscriptions: a renewal after a gap starts a new range and keeps these,
    /// so windows already paid for stay readable.
    mapping(address account => mapping(uint256 streamId => Subscription[])) private _pastSubscriptions;
    mapping(uint256 streamId => mapping(uint64 windowIndex => uint256 datasetId)) private _windows;
    mapping(uint256 datasetId => WindowRef) private _windowOf;

    /// @param datasets_ The dataset registry (owners of datasets may list them).
    /// @param treasury Receives the protocol fee.
    /// @param feeBps Protocol fee in basis points (at most MAX_FEE_BPS).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE and FEE_ADMIN_ROLE.
    /// @param uri_ ERC-1155 metadata URI template.
    constructor(
        IDatasetRegistry datasets_,
        address treasury,
        uint16 feeBps,
        address admin,
        string memory uri_
    ) ERC1155(uri_) {
        if (treasury == address(0)) revert InvalidTreasury(treasury);
        if (feeBps > MAX_FEE_BPS) revert FeeTooHigh(feeBps, MAX_FEE_BPS);
        datasets = datasets_;
        _fee = FeeTerms({treasury: treasury, bps: feeBps});
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(FEE_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IDataMarket
    function list(
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod,
        Split[] calldata splits
    ) external {
        _onlyDatasetOwner(datasetId);
        if (price == 0 || price > type(uint96).max) revert InvalidPrice(price);
        if (accessPeriod > MAX_ACCESS_PERIOD) revert InvalidAccessPeriod(accessPeriod);
        _storeSplits(_splits[datasetId], splits);
        _listings[datasetId] = Listing({
            seller: msg.sender,
            accessPeriod: accessPeriod,
            active: true,
            paymentToken: paymentToken,
            price: uint96(price)
        });
        emit Listed(datasetId, msg.sender, paymentToken, price, accessPeriod, splits);
    }

    /// @inheritdoc IDataMarket
    function setPrice(uint256 datasetId, uint256 price) external {
        _onlyDatasetOwner(datasetId);
        Listing storage listing = _activeListing(datasetId);
        if (price == 0 || price > type(uint96).max) revert InvalidPrice(price);
        emit PriceChanged(datasetId, listing.price, price);
        listing.price = uint96(price);
    }

    /// @inheritdoc IDataMarket
    function delist(uint256 datasetId) external {
        _onlyDatasetOwner(datasetId);
        _activeListing(datasetId).active = false;
        emit Delisted(datasetId);
    }

    /// @inheritdoc IDataMarket
    function buy(
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod
    ) external payable nonReentrant returns (uint64 expiresAt) {
        return _purchase(msg.sender, datasetId, price, paymentToken, accessPeriod, true);
    }

    /// @inheritdoc IDataMarket
    function buyFor(
        address buyer,
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod
    ) external payable onlyRole(ESCROW_ROLE) nonReentrant returns (uint64 expiresAt) {
        return _purchase(buyer, datasetId, price, paymentToken, accessPeriod, false);
    }

    /// @inheritdoc IStreamSubscriptions
    function createStream(
        uint64 start,
        uint64 windowLength,
        uint64 period,
        address paymentToken,
        uint256 pricePerPeriod,
        uint256[] calldata deviceIds,
        Split[] calldata splits
    ) external returns (uint256 streamId) {
        if (windowLength == 0 || period == 0 || period % windowLength != 0 || period > MAX_ACCESS_PERIOD)
            revert InvalidWindow(windowLength, period);
        if (pricePerPeriod == 0 || pricePerPeriod > type(uint96).max) revert InvalidPrice(pricePerPeriod);
        streamId = ++_streamCount;
        _storeSplits(_streamSplits[streamId], splits);
        if (start == 0) start = uint64(block.timestamp);
        _streams[streamId] = Stream({
            owner: msg.sender,
            start: start,
            windowLength: windowLength,
            paymentToken: paymentToken,
            period: period,
            pricePerPeriod: uint96(pricePerPeriod)
        });
        _streamDevices[streamId] = deviceIds;
        emit StreamCreated(
            streamId,
            msg.sender,
            start,
            windowLength,
            period,
            paymentToken,
            pricePerPeriod,
            deviceIds,
            splits
        );
    }

    /// @inheritdoc IStreamSubscriptions
    function subscribe(
        uint256 streamId,
        uint256 periods,
        uint256 expectedPrice
    ) external payable nonReentrant returns (uint64 start, uint64 end) {
        Stream memory stream = _knownStream(streamId);
        if (periods == 0 || periods > MAX_PERIODS) revert InvalidPeriods(periods);
        if (stream.pricePerPeriod != expectedPrice)
            revert StreamPriceMismatch(streamId, expectedPrice, stream.pricePerPeriod);
        uint256 amount = uint256(stream.pricePerPeriod) * periods;
        _collect(stream.paymentToken, amount);
        uint256 feeAmount = _distribute(stream.paymentToken, amount, _streamSplits[streamId], stream.owner);

        // Access starts with the window now open (or the stream's first), or continues an
        // unbroken subscription.
        uint64 current = stream.start;
        if (block.timestamp > stream.start)
            current =
                stream.start + ((uint64(block.timestamp) - stream.start) / stream.windowLength) * stream.windowLength;
        Subscription storage sub = _subscriptions[msg.sender][streamId];
        uint64 added = uint64(periods) * stream.period;
        if (sub.end >= current && sub.end != 0) {
            start = sub.start;
            end = sub.end + added;
        } else {
            if (sub.end != 0) _pastSubscriptions[msg.sender][streamId].push(sub);
            start = current;
            end = current + added;
        }
        sub.start = start;
        sub.end = end;
        _mint(msg.sender, streamTokenId(streamId), 1, "");
        emit Subscribed(streamId, msg.sender, stream.paymentToken, amount, feeAmount, start, end);
    }

    /// @inheritdoc IStreamSubscriptions
    function buyWindowFor(
        address buyer,
        uint256 streamId,
        uint64 windowIndex,
        uint256 amount
    ) external payable onlyRole(ESCROW_ROLE) nonReentrant returns (uint256 datasetId) {
        Stream memory stream = _knownStream(streamId);
        datasetId = _windows[streamId][windowIndex];
        if (datasetId == 0) revert WindowNotPublished(streamId, windowIndex);
        _collect(stream.paymentToken, amount);
        uint256 feeAmount = _distribute(stream.paymentToken, amount, _streamSplits[streamId], stream.owner);
        _expiry[buyer][datasetId] = type(uint64).max;
        _mintAccess(buyer, datasetId, false);
        emit WindowPurchased(streamId, windowIndex, buyer, datasetId, stream.paymentToken, amount, feeAmount);
    }

    /// @inheritdoc IStreamSubscriptions
    function attachWindow(uint256 streamId, uint64 windowIndex, uint256 datasetId) external {
        Stream memory stream = _knownStream(streamId);
        if (stream.owner != msg.sender) revert NotStreamOwner(streamId, msg.sender);
        _onlyDatasetOwner(datasetId);
        uint64 windowStart = stream.start + windowIndex * stream.windowLength;
        if (windowStart > block.timestamp) revert WindowNotStarted(streamId, windowIndex, windowStart);
        uint256 existing = _windows[streamId][windowIndex];
        if (existing != 0) revert WindowAlreadyPublished(streamId, windowIndex, existing);
        if (_windowOf[datasetId].streamIdPlusOne != 0) revert DatasetAlreadyAttached(datasetId);
        _windows[streamId][windowIndex] = datasetId;
        _windowOf[datasetId] = WindowRef({streamIdPlusOne: uint192(streamId + 1), index: windowIndex});
        emit WindowPublished(streamId, windowIndex, datasetId);
    }

    /// @inheritdoc IDataMarket
    function withdraw(address token) external nonReentrant {
        uint256 amount = _owed[msg.sender][token];
        if (amount == 0) revert NothingToWithdraw(msg.sender, token);
        _owed[msg.sender][token] = 0;
        if (token == address(0)) {
            (bool ok, ) = msg.sender.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(msg.sender, amount);
        } else {
            IERC20(token).safeTransfer(msg.sender, amount);
        }
        emit Withdrawn(msg.sender, token, amount);
    }

    /// @inheritdoc IDataMarket
    function setFee(uint16 bps) external onlyRole(FEE_ADMIN_ROLE) {
        if (bps > MAX_FEE_BPS) revert FeeTooHigh(bps, MAX_FEE_BPS);
        emit FeeChanged(_fee.bps, bps);
        _fee.bps = bps;
    }

    /// @inheritdoc IDataMarket
    function setTreasury(address treasury) external onlyRole(FEE_ADMIN_ROLE) {
        if (treasury == address(0)) revert InvalidTreasury(treasury);
        emit TreasuryChanged(_fee.treasury, treasury);
        _fee.treasury = treasury;
    }

    /// @notice Current fee terms.
    /// @return treasury The treasury.
    /// @return bps The fee in basis points.
    function feeTerms() external view returns (address treasury, uint16 bps) {
        return (_fee.treasury, _fee.bps);
    }

    /// @inheritdoc IDataMarket
    /// @dev A stream window is readable by subscribers whose subscription covers the whole window.
    function hasAccess(address account, uint256 datasetId) external view returns (bool) {
        if (_expiry[account][datasetId] > block.timestamp && balanceOf(account, datasetId) != 0) return true;
        WindowRef memory ref = _windowOf[datasetId];
        if (ref.streamIdPlusOne == 0) return false;
        uint256 streamId = ref.streamIdPlusOne - 1;
        Stream storage stream = _streams[streamId];
        if (balanceOf(account, streamTokenId(streamId)) == 0) return false;
        uint64 windowStart = stream.start + ref.index * stream.windowLength;
        uint64 windowEnd = windowStart + stream.windowLength;
        Subscription memory sub = _subscriptions[account][streamId];
        if (sub.start <= windowStart && windowEnd <= sub.end) return true;
        Subscription[] storage past = _pastSubscriptions[account][streamId];
        for (uint256 i = 0; i < past.length; ++i) {
            if (past[i].start <= windowStart && windowEnd <= past[i].end) return true;
        }
        return false;
    }

    /// @inheritdoc IDataMarket
    function accessExpiry(address account, uint256 datasetId) external view returns (uint64) {
        return _expiry[account][datasetId];
    }

    /// @inheritdoc IDataMarket
    function listingOf(uint256 datasetId) external view returns (Listing memory) {
        return _listings[datasetId];
    }

    /// @inheritdoc IDataMarket
    function splitsOf(uint256 datasetId) external view returns (Split[] memory) {
        return _splits[datasetId];
    }

    /// @inheritdoc IDataMarket
    function owed(address account, address token) external view returns (uint256) {
        return _owed[account][token];
    }

    /// @inheritdoc IDataMarket
    function tokenIdOf(uint256 datasetId) external pure returns (uint256) {
        return datasetId;
    }

    /// @inheritdoc IStreamSubscriptions
    function streamOf(uint256 streamId) external view returns (Stream memory) {
        return _knownStream(streamId);
    }

    /// @inheritdoc IStreamSubscriptions
    function streamDevices(uint256 streamId) external view returns (uint256[] memory) {
        _knownStream(streamId);
        return _streamDevices[streamId];
    }

    /// @inheritdoc IStreamSubscriptions
    function subscriptionOf(address account, uint256 streamId) external view returns (Subscription memory) {
        return _subscriptions[account][streamId];
    }

    /// @inheritdoc IStreamSubscriptions
    function pastSubscriptionsOf(address account, uint256 streamId) external view returns (Subscription[] memory) {
        return _pastSubscriptions[account][streamId];
    }

    /// @inheritdoc IStreamSubscriptions
    function windowDataset(uint256 streamId, uint64 windowIndex) external view returns (uint256) {
        return _windows[streamId][windowIndex];
    }

    /// @inheritdoc IStreamSubscriptions
    function windowOf(uint256 datasetId) external view returns (uint256 streamId, uint64 windowIndex) {
        WindowRef memory ref = _windowOf[datasetId];
        if (ref.streamIdPlusOne == 0) return (0, 0);
        return (ref.streamIdPlusOne - 1, ref.index);
    }

    /// @inheritdoc IStreamSubscriptions
    function streamTokenId(uint256 streamId) public pure returns (uint256) {
        return STREAM_TOKEN_BIT | streamId;
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Mints only: access tokens never move between accounts.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) revert AccessNotTransferable(ids[0]);
        super._update(from, to, ids, values);
    }

    /// @dev One purchase of `buyer` paid by the caller: the listing must have the agreed terms; the
    /// payment is collected and distributed, access extended and the token minted. `receiverHook`:
    /// whether the mint calls a contract buyer's onERC1155Received (see `buyFor` for why not always).
    function _purchase(
        address buyer,
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod,
        bool receiverHook
    ) private returns (uint64 expiresAt) {
        Listing memory listing = _activeListing(datasetId);
        if (listing.price != price || listing.paymentToken != paymentToken || listing.accessPeriod != accessPeriod)
            revert ListingChanged(datasetId, listing.price, listing.paymentToken, listing.accessPeriod);
        address token = listing.paymentToken;
        _collect(token, listing.price);
        uint256 feeAmount = _distribute(token, listing.price, _splits[datasetId], listing.seller);

        expiresAt = _extendAccess(buyer, datasetId, listing.accessPeriod);
        _mintAccess(buyer, datasetId, receiverHook);
        emit Purchased(datasetId, buyer, token, listing.price, feeAmount, expiresAt);
    }

    /// @dev Mints one access token. Without `receiverHook` a contract buyer's onERC1155Received is
    /// not called: the escrow's purchases must not be revertible by the buyer (see `buyFor`).
    function _mintAccess(address buyer, uint256 datasetId, bool receiverHook) private {
        if (receiverHook) {
            _mint(buyer, datasetId, 1, "");
        } else {
            uint256[] memory ids = new uint256[](1);
            uint256[] memory values = new uint256[](1);
            ids[0] = datasetId;
            values[0] = 1;
            _update(address(0), buyer, ids, values);
        }
    }

    function _extendAccess(address account, uint256 datasetId, uint64 period) private returns (uint64 expiresAt) {
        if (period == 0) {
            expiresAt = type(uint64).max;
        } else {
            uint64 current = _expiry[account][datasetId];
            uint64 start = current > block.timestamp ? current : uint64(block.timestamp);
            expiresAt = current == type(uint64).max ? current : start + period;
        }
        _expiry[account][datasetId] = expiresAt;
    }

    /// @dev Takes `amount` from the caller in `token` (native: msg.value must be exactly it).
    function _collect(address token, uint256 amount) private {
        if (token == address(0)) {
            if (msg.value != amount) revert IncorrectPayment(msg.value, amount);
        } else {
            if (msg.value != 0) revert UnexpectedNativePayment(msg.value);
            // Credit only what arrived: a token that takes a cut or lies about transfers cannot
            // leave the market owing more than it holds.
            uint256 before = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = IERC20(token).balanceOf(address(this)) - before;
            if (received != amount) revert PaymentShortfall(token, received, amount);
        }
    }

    /// @dev Credits the fee, the splits and the seller (who gets the remainder, so rounding never
    /// loses a wei); returns the fee.
    function _distribute(
        address token,
        uint256 amount,
        Split[] storage splits,
        address seller
    ) private returns (uint256 feeAmount) {
        FeeTerms memory fee = _fee;
        feeAmount = (amount * fee.bps) / BPS;
        uint256 proceeds = amount - feeAmount;
        uint256 distributed;
        for (uint256 i = 0; i < splits.length; ++i) {
            uint256 share = (proceeds * splits[i].bps) / BPS;
            _owed[splits[i].account][token] += share;
            distributed += share;
        }
        _owed[seller][token] += proceeds - distributed;
        if (feeAmount != 0) _owed[fee.treasury][token] += feeAmount;
    }

    function _storeSplits(Split[] storage stored, Split[] calldata splits) private {
        if (splits.length > MAX_SPLITS) revert TooManySplits(splits.length, MAX_SPLITS);
        uint256 total;
        while (stored.length != 0) stored.pop();
        for (uint256 i = 0; i < splits.length; ++i) {
            if (splits[i].account == address(0) || splits[i].bps == 0) revert InvalidSplitAccount(i);
            total += splits[i].bps;
            stored.push(splits[i]);
        }
        if (total > BPS) revert InvalidSplits(total);
    }

    function _knownStream(uint256 streamId) private view returns (Stream storage stream) {
        stream = _streams[streamId];
        if (stream.owner == address(0)) revert UnknownStream(streamId);
    }

    function _onlyDatasetOwner(uint256 datasetId) private view {
        if (datasets.ownerOf(datasetId) != msg.sender) revert NotDatasetOwner(datasetId, msg.sender);
    }

    function _activeListing(uint256 datasetId) private view returns (Listing storage listing) {
        listing = _listings[datasetId];
        if (!listing.active) revert NotListed(datasetId);
    }
}
