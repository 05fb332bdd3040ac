// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IDataMarket} from "./IDataMarket.sol";

/// @title Data streams sold by subscription
/// @notice A stream is an open-ended sequence of time windows of fixed length from `start`; each
/// closed window is published as a dataset of its own and attached to the stream. A subscription
/// covers [start, end) in whole windows; a subscriber may read every window inside it, including
/// windows published after the purchase. Renewals extend the end.
interface IStreamSubscriptions {
    /// @notice A stream's terms.
    /// @param owner Publishes the windows; receives what the splits leave.
    /// @param start Start of window 0 (unix seconds).
    /// @param windowLength Seconds per window.
    /// @param period Seconds of access one purchase buys (a whole number of windows).
    /// @param paymentToken ERC-20 to pay in; the zero address means the native coin.
    /// @param pricePerPeriod Price of one period.
    struct Stream {
        address owner;
        uint64 start;
        uint64 windowLength;
        address paymentToken;
        uint64 period;
        uint96 pricePerPeriod;
    }

    /// @notice A subscriber's access: windows starting at or after `start` and ending by `end`.
    struct Subscription {
        uint64 start;
        uint64 end;
    }

    error UnknownStream(uint256 streamId);
    error NotStreamOwner(uint256 streamId, address caller);
    error InvalidWindow(uint64 windowLength, uint64 period);
    error InvalidPeriods(uint256 periods);
    error StreamPriceMismatch(uint256 streamId, uint256 expected, uint256 actual);
    error WindowNotStarted(uint256 streamId, uint64 windowIndex, uint64 windowStart);
    error WindowAlreadyPublished(uint256 streamId, uint64 windowIndex, uint256 datasetId);
    error DatasetAlreadyAttached(uint256 datasetId);
    /// @dev No dataset is attached to the window yet.
    error WindowNotPublished(uint256 streamId, uint64 windowIndex);

    /// @notice A stream was created.
    event StreamCreated(
        uint256 indexed streamId,
        address indexed owner,
        uint64 start,
        uint64 windowLength,
        uint64 period,
        address paymentToken,
        uint256 pricePerPeriod,
        uint256[] deviceIds,
        IDataMarket.Split[] splits
    );
    /// @notice A closed window's dataset was attached to its stream.
    event WindowPublished(uint256 indexed streamId, uint64 indexed windowIndex, uint256 indexed datasetId);
    /// @notice A subscription was bought or renewed.
    event Subscribed(
        uint256 indexed streamId,
        address indexed subscriber,
        address paymentToken,
        uint256 amount,
        uint256 fee,
        uint64 start,
        uint64 end
    );

    /// @notice One window was bought for `buyer` by the key escrow (a trustless subscription settles
    /// window by window): `amount` is that window's share of the escrowed subscription price.
    event WindowPurchased(
        uint256 indexed streamId,
        uint64 indexed windowIndex,
        address indexed buyer,
        uint256 datasetId,
        address paymentToken,
        uint256 amount,
        uint256 fee
    );

    /// @notice Creates a stream owned by the caller.
    /// @param start Start of window 0; 0 means now.
    /// @param windowLength Seconds per window (> 0).
    /// @param period Seconds per purchased period: a positive multiple of `windowLength`.
    /// @param paymentToken ERC-20, or the zero address for the native coin.
    /// @param pricePerPeriod Price of one period (> 0).
    /// @param deviceIds The devices feeding the stream (for discovery; windows anchor their own).
    /// @param splits Shares of the proceeds after the fee, at most 10000 bps in total.
    /// @return streamId The new stream's id.
    function createStream(
        uint64 start,
        uint64 windowLength,
        uint64 period,
        address paymentToken,
        uint256 pricePerPeriod,
        uint256[] calldata deviceIds,
        IDataMarket.Split[] calldata splits
    ) external returns (uint256 streamId);

    /// @notice Buys `periods` periods of the stream for the caller, from the current window (or
    /// extending an active subscription), and mints the stream's access token.
    /// @param streamId The stream.
    /// @param periods Number of periods (1 to 1000).
    /// @param expectedPrice The price per period the subscriber agreed to.
    /// @return start First second covered.
    /// @return end First second no longer covered.
    function subscribe(
        uint256 streamId,
        uint256 periods,
        uint256 expectedPrice
    ) external payable returns (uint64 start, uint64 end);

    /// @notice Buys one published window for `buyer`, paid by the caller (ESCROW_ROLE only: the key
    /// escrow, when a trustless subscription's window is settled): `amount` in the stream's payment
    /// token (native: exactly msg.value; ERC-20: transferred from the caller) is credited like a
    /// subscription (fee, the stream's splits, its owner), and the buyer gets perpetual access to the
    /// window's dataset (its access token, minted without the receiver hook, as `buyFor`).
    /// @param buyer Who receives the access.
    /// @param streamId The stream.
    /// @param windowIndex The window; its dataset must be attached (WindowNotPublished otherwise).
    /// @param amount The window's price.
    /// @return datasetId The window's dataset.
    function buyWindowFor(
        address buyer,
        uint256 streamId,
        uint64 windowIndex,
        uint256 amount
    ) external payable returns (uint256 datasetId);

    /// @notice Attaches a window's dataset to its stream (owner of both, once per window and dataset).
    /// @param streamId The stream.
    /// @param windowIndex The window (0 from `start`); it must have started.
    /// @param datasetId The window's published dataset.
    function attachWindow(uint256 streamId, uint64 windowIndex, uint256 datasetId) external;

    /// @notice The stream's terms.
    /// @param streamId The stream.
    /// @return The stream.
    function streamOf(uint256 streamId) external view returns (Stream memory);

    /// @notice The devices named at creation.
    /// @param streamId The stream.
    /// @return The device ids.
    function streamDevices(uint256 streamId) external view returns (uint256[] memory);

    /// @notice A subscriber's covered time range (zeros when never subscribed).
    /// @param account The subscriber.
    /// @param streamId The stream.
    /// @return The subscription.
    function subscriptionOf(address account, uint256 streamId) external view returns (Subscription memory);

    /// @notice A subscriber's earlier ranges, ended before a renewal after a gap (they keep access
    /// to the windows they paid for).
    /// @param account The subscriber.
    /// @param streamId The stream.
    /// @return The earlier subscriptions, oldest first.
    function pastSubscriptionsOf(address account, uint256 streamId) external view returns (Subscription[] memory);

    /// @notice The dataset of a window (0 when not published yet).
    /// @param streamId The stream.
    /// @param windowIndex The window.
    /// @return The dataset id.
    function windowDataset(uint256 streamId, uint64 windowIndex) external view returns (uint256);

    /// @notice The stream and window a dataset belongs to.
    /// @param datasetId The dataset.
    /// @return streamId The stream (0 when the dataset is not a window).
    /// @return windowIndex The window.
    function windowOf(uint256 datasetId) external view returns (uint256 streamId, uint64 windowIndex);

    /// @notice The ERC-1155 token id of a stream's subscription token (top bit set, so it never
    /// collides with a dataset's).
    /// @param streamId The stream.
    /// @return The token id.
    function streamTokenId(uint256 streamId) external pure returns (uint256);
}
