// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Market of access to datasets: ERC-1155 access tokens, fees, revenue splits, pull payouts
interface IDataMarket {
    /// @notice A share of each sale's proceeds (after the protocol fee), in basis points.
    struct Split {
        address account;
        uint16 bps;
    }

    /// @notice A dataset's terms of sale.
    /// @param seller The dataset owner who listed it; receives what the splits leave.
    /// @param paymentToken ERC-20 to pay in; the zero address means the native coin.
    /// @param price Price of one access period (or of perpetual access).
    /// @param accessPeriod Seconds of access per purchase; 0 means perpetual.
    /// @param active Whether it can be bought.
    struct Listing {
        address seller;
        uint64 accessPeriod;
        bool active;
        address paymentToken;
        uint96 price;
    }

    error NotDatasetOwner(uint256 datasetId, address caller);
    error NotListed(uint256 datasetId);
    error InvalidPrice(uint256 price);
    error InvalidAccessPeriod(uint64 accessPeriod);
    error InvalidSplits(uint256 totalBps);
    error TooManySplits(uint256 count, uint256 max);
    error InvalidSplitAccount(uint256 index);
    /// @dev The listing's terms are not the ones the buyer agreed to (changed while the purchase was in flight).
    error ListingChanged(uint256 datasetId, uint256 price, address paymentToken, uint64 accessPeriod);
    error IncorrectPayment(uint256 sent, uint256 required);
    error UnexpectedNativePayment(uint256 sent);
    error PaymentShortfall(address token, uint256 received, uint256 required);
    error FeeTooHigh(uint16 bps, uint16 max);
    error InvalidTreasury(address treasury);
    error NothingToWithdraw(address account, address token);
    error NativeTransferFailed(address to, uint256 amount);
    error AccessNotTransferable(uint256 datasetId);

    /// @notice A dataset was listed (or listed again with new terms).
    event Listed(
        uint256 indexed datasetId,
        address indexed seller,
        address paymentToken,
        uint256 price,
        uint64 accessPeriod,
        Split[] splits
    );
    /// @notice A listing's price changed.
    event PriceChanged(uint256 indexed datasetId, uint256 oldPrice, uint256 newPrice);
    /// @notice A dataset was withdrawn from sale (existing access stays).
    event Delisted(uint256 indexed datasetId);
    /// @notice Access was bought.
    event Purchased(
        uint256 indexed datasetId,
        address indexed buyer,
        address paymentToken,
        uint256 price,
        uint256 fee,
        uint64 expiresAt
    );
    /// @notice Proceeds were withdrawn.
    event Withdrawn(address indexed account, address indexed token, uint256 amount);
    /// @notice The protocol fee changed.
    event FeeChanged(uint16 oldBps, uint16 newBps);
    /// @notice The treasury changed.
    event TreasuryChanged(address oldTreasury, address newTreasury);

    /// @notice Lists a dataset (dataset owner only); listing again replaces the terms.
    /// @param datasetId The dataset.
    /// @param price Price per purchase.
    /// @param paymentToken ERC-20, or the zero address for the native coin.
    /// @param accessPeriod Seconds of access per purchase, 0 for perpetual.
    /// @param splits Shares of the proceeds after the fee (e.g. device owners), at most 10000 bps in total.
    function list(
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod,
        Split[] calldata splits
    ) external;

    /// @notice Changes the price of a listing (dataset owner only).
    /// @param datasetId The dataset.
    /// @param price The new price.
    function setPrice(uint256 datasetId, uint256 price) external;

    /// @notice Takes a dataset off sale (dataset owner only).
    /// @param datasetId The dataset.
    function delist(uint256 datasetId) external;

    /// @notice Buys access for the caller: mints the access token and extends its expiry from the
    /// later of now and the current expiry. Reverts with ListingChanged unless the listing still
    /// has exactly the terms the buyer agreed to (a re-list or price change in flight).
    /// @param datasetId The dataset.
    /// @param price The price the buyer agreed to.
    /// @param paymentToken The payment token the buyer agreed to (zero address: native coin).
    /// @param accessPeriod The access period the buyer agreed to (0: perpetual).
    /// @return expiresAt When access ends (type(uint64).max for perpetual).
    function buy(
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod
    ) external payable returns (uint64 expiresAt);

    /// @notice Buys access for `buyer`, paid by the caller (ESCROW_ROLE only: the key escrow settling
    /// an order), exactly as `buy` would for the buyer: same terms check, fee, splits, expiry and
    /// Purchased event. The access token is minted without calling a contract buyer's
    /// onERC1155Received: a buyer must not be able to make a proven key delivery revert (its
    /// ciphertext is public in the failed transaction) and then take a refund.
    /// @param buyer Who gets the access.
    /// @param datasetId The dataset.
    /// @param price The price the buyer agreed to.
    /// @param paymentToken The payment token the buyer agreed to (zero address: native coin).
    /// @param accessPeriod The access period the buyer agreed to (0: perpetual).
    /// @return expiresAt When access ends (type(uint64).max for perpetual).
    function buyFor(
        address buyer,
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod
    ) external payable returns (uint64 expiresAt);

    /// @notice Pays out the caller's proceeds in one token (zero address: native coin).
    /// @param token The token.
    function withdraw(address token) external;

    /// @notice Sets the protocol fee (FEE_ADMIN_ROLE), at most MAX_FEE_BPS.
    /// @param bps Fee in basis points.
    function setFee(uint16 bps) external;

    /// @notice Sets the treasury that receives fees (FEE_ADMIN_ROLE).
    /// @param treasury The treasury.
    function setTreasury(address treasury) external;

    /// @notice Whether `account` may access the dataset now.
    /// @param account The account.
    /// @param datasetId The dataset.
    /// @return True while it holds an unexpired access token.
    function hasAccess(address account, uint256 datasetId) external view returns (bool);

    /// @notice When the account's access ends (0: never bought).
    /// @param account The account.
    /// @param datasetId The dataset.
    /// @return Expiry timestamp.
    function accessExpiry(address account, uint256 datasetId) external view returns (uint64);

    /// @notice The listing.
    /// @param datasetId The dataset.
    /// @return The listing.
    function listingOf(uint256 datasetId) external view returns (Listing memory);

    /// @notice The revenue splits of a listing.
    /// @param datasetId The dataset.
    /// @return The splits.
    function splitsOf(uint256 datasetId) external view returns (Split[] memory);

    /// @notice Proceeds waiting for withdrawal.
    /// @param account The account.
    /// @param token The token (zero address: native coin).
    /// @return The amount.
    function owed(address account, address token) external view returns (uint256);

    /// @notice The ERC-1155 token id of a dataset's access token.
    /// @param datasetId The dataset.
    /// @return The token id (equal to the dataset id).
    function tokenIdOf(uint256 datasetId) external pure returns (uint256);
}
