// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Trustless key delivery: a purchase paid into escrow, released by a proof that the buyer
/// received the dataset's committed key
/// @notice A buyer opens an order for a listed dataset on its current terms with a BabyJubJub public
/// key (X25519-style, the y coordinate of the buyer's point), paying into escrow. Anyone holding the
/// data key (normally the seller's node) settles it by posting the key encrypted to that public key
/// with a Groth16 proof that it is the key the dataset anchored; the escrow then buys the access for
/// the buyer through DataMarket (same fee, splits and token as `buy`). Unsettled by the deadline, the
/// buyer may take the payment back.
/// Streams are bought the same way, one order per subscription: the buyer escrows the price of whole
/// periods, and each window of the range is settled on its own (its dataset's key, proven to the same
/// buyer key under a per-window nonce), releasing that window's share; a window still unsettled a
/// settlement window after it ends (or after the order's opening, if later) may be refunded.
interface IKeyEscrow {
    /// @notice Where an order stands. Settled and Refunded are final.
    enum OrderStatus {
        None,
        Open,
        Settled,
        Refunded
    }

    /// @notice An order as opened. Only its hash is stored: `settle` and `refund` take it back as
    /// calldata (from the OrderOpened event) and check it against that hash.
    /// @param id The order id (1, 2, ...).
    /// @param buyer Who paid and receives the access token (or the refund).
    /// @param datasetId The dataset bought.
    /// @param paymentToken ERC-20 paid in; the zero address means the native coin.
    /// @param price The listing's price when the order was opened (escrowed).
    /// @param accessPeriod The listing's access period when the order was opened (0: perpetual).
    /// @param deadline From this time on the buyer may be refunded (settling stays possible until then
    /// and afterwards until a refund).
    /// @param buyerKey The buyer's BabyJubJub public key: the y coordinate of its point, which fixes
    /// the point up to sign, all ECDH needs (< the BN254 scalar field).
    /// @param anchor The dataset's anchor, read from DatasetRegistry when the order was opened (the
    /// registry never changes an anchor): settlement checks the key commitment's preimage against it.
    struct Order {
        uint256 id;
        address buyer;
        uint256 datasetId;
        address paymentToken;
        uint256 price;
        uint64 accessPeriod;
        uint64 deadline;
        uint256 buyerKey;
        bytes32 anchor;
    }

    /// @notice A trustless subscription as opened: windows firstWindow .. firstWindow + windowCount - 1
    /// of a stream, paid `amount` in escrow. Only its hash is stored; the windows' states are kept
    /// per window (see windowStatus).
    /// @param id The order id (shared with dataset orders).
    /// @param buyer Who paid and receives each window's access (or the refunds).
    /// @param streamId The stream.
    /// @param paymentToken The stream's payment token (zero address: native coin).
    /// @param amount The escrowed price: pricePerPeriod × periods. Window k of the range (k from 0)
    /// is worth amount·(k+1)/windowCount − amount·k/windowCount (rounded down), so the shares add up
    /// to the amount exactly.
    /// @param firstWindow The first window bought.
    /// @param windowCount How many windows: periods × period / windowLength.
    /// @param streamStart The stream's start (a window's end is streamStart + (index+1)·windowLength).
    /// @param windowLength The stream's window length in seconds.
    /// @param openedAt When the order was opened: a window's deadline is the settlement window after
    /// its end or after the opening, whichever is later, so a window bought after it closed leaves
    /// the seller the whole settlement window too.
    /// @param buyerKey The buyer's BabyJubJub public key (the y of its point).
    // Never stored (only its hash is): packing would save nothing.
    // solhint-disable-next-line gas-struct-packing
    struct StreamOrder {
        uint256 id;
        address buyer;
        uint256 streamId;
        address paymentToken;
        uint256 amount;
        uint64 firstWindow;
        uint64 windowCount;
        uint64 streamStart;
        uint64 windowLength;
        uint64 openedAt;
        uint256 buyerKey;
    }

    /// @notice What DatasetRegistry's anchor of a dataset is the hash of:
    /// `anchor = keccak256(abi.encode(manifestCidHash, keyCommitment, statsDigest))`, all three from
    /// the DatasetPublished event (manifestCidHash = keccak256(bytes(manifestCid))).
    struct AnchorPreimage {
        bytes32 manifestCidHash;
        uint256 keyCommitment;
        bytes32 statsDigest;
    }

    error InvalidSettlementWindow(uint64 window);
    error InvalidVerifier(address verifier);
    /// @dev Same signature (and selector) as DataMarket's: the dataset is not for sale.
    error NotListed(uint256 datasetId);
    /// @dev Same signature (and selector) as DataMarket's: the listing's terms are not the ones the
    /// buyer agreed to; carries the listing's current terms.
    error ListingChanged(uint256 datasetId, uint256 price, address paymentToken, uint64 accessPeriod);
    error InvalidBuyerKey(uint256 buyerKey);
    error IncorrectPayment(uint256 sent, uint256 required);
    error UnexpectedNativePayment(uint256 sent);
    error PaymentShortfall(address token, uint256 received, uint256 required);
    /// @dev The order is not open: never opened (None), or already Settled or Refunded.
    error OrderNotOpen(uint256 orderId, OrderStatus status);
    /// @dev The order given is not the one opened under its id (some field differs).
    error OrderMismatch(uint256 orderId);
    /// @dev The anchor preimage given does not hash to the dataset's anchor (the order's).
    error AnchorMismatch(uint256 datasetId);
    error InvalidKeyProof(uint256 orderId);
    error DeadlineNotReached(uint256 orderId, uint64 deadline);
    error NativeTransferFailed(address to, uint256 amount);
    /// @dev Same signature (and selector) as DataMarket's.
    error InvalidPeriods(uint256 periods);
    /// @dev Same signature (and selector) as DataMarket's: the stream's price is not the agreed one.
    error StreamPriceMismatch(uint256 streamId, uint256 expected, uint256 actual);
    /// @dev The windows asked for end beyond what a timestamp can hold, or the first of them starts
    /// more than a period after now (or after the stream's start, if later).
    error InvalidWindowRange(uint64 firstWindow, uint64 windowCount);
    /// @dev The price would leave some window a share of 0 (fewer wei than windows).
    error WindowShareTooSmall(uint256 amount, uint64 windowCount);
    /// @dev The window is not one the stream order bought.
    error WindowNotInOrder(uint256 orderId, uint64 windowIndex);
    /// @dev The window was already settled or refunded.
    error WindowClosed(uint256 orderId, uint64 windowIndex, OrderStatus status);
    /// @dev Every window of the range asked for was already settled or refunded.
    error NothingToRefund(uint256 orderId, uint64 fromWindow, uint64 toWindow);

    /// @notice An order was opened and its payment escrowed: everything the seller's node needs to
    /// settle it (`order` is what `settle` takes back; `nonce` is the circuit's orderNonce).
    event OrderOpened(
        uint256 indexed orderId,
        uint256 indexed datasetId,
        address indexed buyer,
        Order order,
        uint256 nonce
    );
    /// @notice An order was settled: the data key, encrypted to the buyer's key under the ECDH secret
    /// of the ephemeral key (its y coordinate), proven to open the dataset's key commitment; the
    /// buyer decrypts it from this event alone. Access was bought for the buyer through DataMarket
    /// (its Purchased event).
    event OrderSettled(
        uint256 indexed orderId,
        uint256 indexed datasetId,
        address indexed buyer,
        uint256 nonce,
        uint256 ephemeralKey,
        uint256 cipherHi,
        uint256 cipherLo,
        uint64 expiresAt
    );
    /// @notice A stream order was opened and its payment escrowed (`order` is what settleWindow and
    /// refundWindows take back).
    event StreamOrderOpened(
        uint256 indexed orderId,
        uint256 indexed streamId,
        address indexed buyer,
        StreamOrder order
    );
    /// @notice One window of a stream order was settled: the window dataset's key encrypted to the
    /// buyer's key as in OrderSettled, under the window's nonce. DataMarket's WindowPurchased records
    /// the payment of the window's share.
    event WindowSettled(
        uint256 indexed orderId,
        uint256 indexed datasetId,
        address indexed buyer,
        uint256 streamId,
        uint64 windowIndex,
        uint256 nonce,
        uint256 ephemeralKey,
        uint256 cipherHi,
        uint256 cipherLo
    );
    /// @notice The unsettled windows of [fromWindow, toWindow) of a stream order were refunded.
    event WindowsRefunded(
        uint256 indexed orderId,
        address indexed buyer,
        uint64 fromWindow,
        uint64 toWindow,
        address paymentToken,
        uint256 amount
    );
    /// @notice An unsettled order past its deadline was refunded to its buyer.
    event OrderRefunded(uint256 indexed orderId, address indexed buyer, address paymentToken, uint256 amount);

    /// @notice Opens an order for the caller: escrows the price (native: exactly msg.value; ERC-20:
    /// transferred from the caller, who approved this contract) and emits OrderOpened. The terms must
    /// be the dataset's active listing's (NotListed, ListingChanged otherwise, as `DataMarket.buy`).
    /// @dev Whether buyerKey is the y of a point of BabyJubJub's prime-order subgroup is the buyer's
    /// business: only the secret behind a good key decrypts the delivery.
    /// @param datasetId The dataset.
    /// @param price The price the buyer agreed to.
    /// @param paymentToken The payment token the buyer agreed to (zero address: native coin).
    /// @param accessPeriod The access period the buyer agreed to (0: perpetual).
    /// @param buyerKey The buyer's BabyJubJub public key, the y of its point (< the BN254 scalar field).
    /// @return orderId The new order's id.
    function open(
        uint256 datasetId,
        uint256 price,
        address paymentToken,
        uint64 accessPeriod,
        uint256 buyerKey
    ) external payable returns (uint256 orderId);

    /// @notice Settles an open order (anyone may; normally the seller's node): verifies the
    /// key-transfer proof for public signals (the dataset's key commitment, the order's buyer key,
    /// the ephemeral key, the ciphertext, the order's nonce), then buys the access for the buyer
    /// through DataMarket with the escrowed payment and emits OrderSettled. Allowed after the
    /// deadline too, until the order is refunded. Reverts with DataMarket's NotListed or
    /// ListingChanged when the listing's terms are no longer the order's (the buyer then refunds).
    /// @param order The order, exactly as in OrderOpened.
    /// @param proof The Groth16 proof as snarkjs exports it for Solidity: a[2], b[2][2], c[2] flattened.
    /// @param ephemeralKey The ephemeral BabyJubJub public key, the y of its point.
    /// @param cipherHi The encrypted high 128-bit half of the data key.
    /// @param cipherLo The encrypted low 128-bit half of the data key.
    /// @param anchor The preimage of the dataset's anchor (`order.anchor`): where its key commitment
    /// is read from.
    /// @return expiresAt When the buyer's access ends (type(uint64).max for perpetual).
    function settle(
        Order calldata order,
        uint256[8] calldata proof,
        uint256 ephemeralKey,
        uint256 cipherHi,
        uint256 cipherLo,
        AnchorPreimage calldata anchor
    ) external returns (uint64 expiresAt);

    /// @notice Pays an open order's escrow back to its buyer once its deadline has passed (anyone may
    /// call; the payment always goes to the buyer). A settled order cannot be refunded.
    /// @param order The order, exactly as in OrderOpened.
    function refund(Order calldata order) external;

    /// @notice Opens a trustless subscription for the caller: `periods` periods of the stream's windows
    /// from `firstWindow` (past or current windows, or one starting within a period of now or of the
    /// stream's start), paying
    /// pricePerPeriod × periods into escrow (as `open`). Each window is then settled or refunded on its own.
    /// @param streamId The stream.
    /// @param firstWindow The first window bought.
    /// @param periods Number of periods (1 to 1000, as `DataMarket.subscribe`).
    /// @param expectedPrice The price per period the buyer agreed to.
    /// @param buyerKey The buyer's BabyJubJub public key, the y of its point (< the BN254 scalar field).
    /// @return orderId The new order's id.
    function openStream(
        uint256 streamId,
        uint64 firstWindow,
        uint256 periods,
        uint256 expectedPrice,
        uint256 buyerKey
    ) external payable returns (uint256 orderId);

    /// @notice Settles one window of a stream order (anyone may): the window's dataset must be
    /// attached to the stream (DataMarket's WindowNotPublished otherwise); verifies the key-transfer
    /// proof for (the window dataset's key commitment, the order's buyer key, the ephemeral key, the
    /// ciphertext, windowNonce(order, window)), then buys the window for the buyer with its share of
    /// the escrow and emits WindowSettled. Allowed after the window's deadline too, until it is refunded.
    /// @param order The order, exactly as in StreamOrderOpened.
    /// @param windowIndex The window.
    /// @param proof The Groth16 proof (a[2], b[2][2], c[2] flattened).
    /// @param ephemeralKey The ephemeral BabyJubJub public key, the y of its point.
    /// @param cipherHi The encrypted high half of the window's data key.
    /// @param cipherLo The encrypted low half.
    /// @param anchor The preimage of the window dataset's anchor in DatasetRegistry.
    /// @return datasetId The window's dataset.
    function settleWindow(
        StreamOrder calldata order,
        uint64 windowIndex,
        uint256[8] calldata proof,
        uint256 ephemeralKey,
        uint256 cipherHi,
        uint256 cipherLo,
        AnchorPreimage calldata anchor
    ) external returns (uint256 datasetId);

    /// @notice Pays back to the buyer the shares of the unsettled windows in [fromWindow, toWindow)
    /// of a stream order (anyone may call; the payment always goes to the buyer), once the last of
    /// them is past its deadline: the settlement window after its end (or after the order's opening,
    /// if later). Those windows can no longer be settled.
    /// @param order The order, exactly as in StreamOrderOpened.
    /// @param fromWindow The first window to refund.
    /// @param toWindow One past the last window to refund.
    /// @return amount What was paid back.
    function refundWindows(
        StreamOrder calldata order,
        uint64 fromWindow,
        uint64 toWindow
    ) external returns (uint256 amount);

    /// @notice Where one window of a stream order stands (Open, Settled or Refunded; None when the
    /// order's id was never issued or the window is not in it).
    /// @param order The order, exactly as in StreamOrderOpened.
    /// @param windowIndex The window.
    /// @return The window's status.
    function windowStatus(StreamOrder calldata order, uint64 windowIndex) external view returns (OrderStatus);

    /// @notice The circuit's orderNonce for one window of a stream order.
    /// @param orderId The order.
    /// @param windowIndex The window.
    /// @return keccak256(abi.encode(chainid, this contract, orderId, windowIndex)) modulo the BN254
    /// scalar field (never a dataset order's nonce: the preimages differ in length).
    function windowNonce(uint256 orderId, uint64 windowIndex) external view returns (uint256);

    /// @notice When one window of a stream order may be refunded (WindowNotInOrder for a window not in it).
    /// @param order The order.
    /// @param windowIndex The window.
    /// @return The later of the window's end and the order's opening, plus the settlement window.
    function windowDeadline(StreamOrder calldata order, uint64 windowIndex) external view returns (uint64);

    /// @notice Where an order stands (a stream order stays Open: its windows have their own status).
    /// @param orderId The order.
    /// @return The status (None for an id never opened; a settled order's slot is cleared, so Settled
    /// is an issued id with an empty slot).
    function orderStatus(uint256 orderId) external view returns (OrderStatus);

    /// @notice The circuit's orderNonce of an order: unique per order, chain and escrow contract.
    /// @param orderId The order.
    /// @return keccak256(abi.encode(chainid, this contract, orderId)) reduced modulo the BN254 scalar field.
    function orderNonce(uint256 orderId) external view returns (uint256);

    /// @notice The hash an open order is stored as.
    /// @param order The order.
    /// @return keccak256(abi.encode(order)).
    function hashOrder(Order calldata order) external pure returns (bytes32);
}
