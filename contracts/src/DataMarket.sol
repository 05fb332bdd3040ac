// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";

/// @title DataMarket
/// @notice Sells access to datasets as ERC-1155 tokens (token id = dataset id). A purchase takes a
/// protocol fee to the treasury, splits the rest between revenue-share accounts and the seller,
/// and credits everyone for pull withdrawal. Access can be perpetual or last a period, and a
/// renewal extends it.
/// @dev Access tokens are not transferable: access is a licence of the buyer, and its expiry is
/// kept per account.
contract DataMarket is IDataMarket, ERC1155, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant FEE_ADMIN_ROLE = keccak256("FEE_ADMIN_ROLE");
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint16 private constant BPS = 10_000;
    uint256 public constant MAX_SPLITS = 16;
    uint64 public constant MAX_ACCESS_PERIOD = 100 * 365 days;

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
        if (splits.length > MAX_SPLITS) revert TooManySplits(splits.length, MAX_SPLITS);
        uint256 total;
        delete _splits[datasetId];
        for (uint256 i = 0; i < splits.length; ++i) {
            if (splits[i].account == address(0) || splits[i].bps == 0) revert InvalidSplitAccount(i);
            total += splits[i].bps;
            _splits[datasetId].push(splits[i]);
        }
        if (total > BPS) revert InvalidSplits(total);
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
    function buy(uint256 datasetId, uint256 expectedPrice) external payable nonReentrant returns (uint64 expiresAt) {
        Listing memory listing = _activeListing(datasetId);
        if (listing.price != expectedPrice) revert PriceMismatch(datasetId, expectedPrice, listing.price);
        address token = listing.paymentToken;
        if (token == address(0)) {
            if (msg.value != listing.price) revert IncorrectPayment(msg.value, listing.price);
        } else {
            if (msg.value != 0) revert UnexpectedNativePayment(msg.value);
            // Credit only what arrived: a token that takes a cut or lies about transfers cannot
            // leave the market owing more than it holds.
            uint256 before = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), listing.price);
            uint256 received = IERC20(token).balanceOf(address(this)) - before;
            if (received != listing.price) revert PaymentShortfall(token, received, listing.price);
        }

        FeeTerms memory fee = _fee;
        uint256 feeAmount = (uint256(listing.price) * fee.bps) / BPS;
        uint256 proceeds = listing.price - feeAmount;
        uint256 distributed;
        Split[] storage splits = _splits[datasetId];
        for (uint256 i = 0; i < splits.length; ++i) {
            uint256 share = (proceeds * splits[i].bps) / BPS;
            _owed[splits[i].account][token] += share;
            distributed += share;
        }
        // The seller gets the remainder, so rounding never loses a wei.
        _owed[listing.seller][token] += proceeds - distributed;
        if (feeAmount != 0) _owed[fee.treasury][token] += feeAmount;

        expiresAt = _extendAccess(msg.sender, datasetId, listing.accessPeriod);
        _mint(msg.sender, datasetId, 1, "");
        emit Purchased(datasetId, msg.sender, token, listing.price, feeAmount, expiresAt);
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
    function hasAccess(address account, uint256 datasetId) external view returns (bool) {
        return _expiry[account][datasetId] > block.timestamp && balanceOf(account, datasetId) != 0;
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

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Mints only: access tokens never move between accounts.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) revert AccessNotTransferable(ids[0]);
        super._update(from, to, ids, values);
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

    function _onlyDatasetOwner(uint256 datasetId) private view {
        if (datasets.ownerOf(datasetId) != msg.sender) revert NotDatasetOwner(datasetId, msg.sender);
    }

    function _activeListing(uint256 datasetId) private view returns (Listing storage listing) {
        listing = _listings[datasetId];
        if (!listing.active) revert NotListed(datasetId);
    }
}
