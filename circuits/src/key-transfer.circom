pragma circom 2.1.6;

include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/escalarmulfix.circom";
include "circomlib/circuits/poseidon.circom";
include "key-commitment.circom";

// Trustless key delivery (KeyEscrow): proves that (cipherHi, cipherLo) is the data key behind the
// anchored `keyCommitment`, encrypted to the buyer's Baby Jubjub key for one order. Public keys
// are y coordinates only (X25519-style: `buyerKey` = y(buyer), `ephemeralKey` = y(ephemeral)):
//   commitment = Poseidon(keyHi, keyLo)                  (KeyCommitment, limbs < 2^128)
//   ephemeral  = s·Base8, 1 <= s < l, y(ephemeral) = ephemeralKey
//   buyer      = (buyerX, buyerKey) on the curve, buyerX private (either root)
//   shared     = s·buyer                                  (ECDH; the buyer computes b·(±ephemeral))
//   pad_i      = Poseidon(DOMAIN, sharedY, orderNonce, i), i = 0, 1
//   cipherHi   = keyHi + pad_0, cipherLo = keyLo + pad_1   (field addition)
// DOMAIN = "assay.key-transfer.v1" read as a big-endian integer; the nonce in the pad makes a
// ciphertext for one order useless for another.
//
// Why a y coordinate is enough: on a twisted Edwards curve -(x, y) = (-x, y), so a y names exactly
// the two points ±P (x = 0 only for (0, ±1), which are of small order and refused), and
// s·(±P) = ±(s·P) share their y. Whichever root buyerX the prover takes, sharedY is y(s·buyer);
// whichever of ±ephemeral the buyer recovers from ephemeralKey, b·(±ephemeral) = ±(s·b·Base8) has
// that same y. So sharedX must not enter the pads (the buyer's point may be -shared), and dropping
// the x's costs no secrecy: finding y(s·b·Base8) from y(s·Base8) and y(b·Base8) is Diffie-Hellman
// on the quotient by ±1. Nor does it free the prover: for a key in the subgroup, s and l - s, the
// only scalars whose ephemeral has this y, give shared points ±(s·buyer), one y, the same pads.
//
// NOTE: the buyer key must be the y of a point of Base8's prime-order subgroup: clients refuse
// other keys (checkBuyerPublicKey) before encrypting (negation keeps a point in the subgroup, so
// either root passes or neither does). Here the point is only required on the curve and not of
// small order, which is what soundness needs. For a key of order l, 2l, 4l or 8l, EscalarMulAny's
// incomplete Montgomery additions meet no exceptional case inside its segments of at most 148 bits
// (acc = ±2^i·P would need an odd a < 2^i with 2^i ∓ a ≡ 0 mod ord(P), impossible below 2^149 < l),
// so the shared point is s·buyer and nothing else: the prover (seller) cannot steer it. A
// small-order key (x(8·buyer) = 0) is refused: its shared point is one of 8 points anyone can try,
// which would publish the key, and the exceptional cases would let the prover pick it freely.
// A key with a small-order component only hurts the buyer who made it (outsiders still face ECDH).
// NOTE: `orderNonce` and every other public input are field elements: the verifier contract refuses
// values >= the BN254 scalar field, so the contract must reduce an order nonce before passing it.
template KeyTransfer() {
    // Public inputs, in this order (the contract passes them so; circuits.json lists them so).
    signal input keyCommitment;
    signal input buyerKey;
    signal input ephemeralKey;
    signal input cipherHi;
    signal input cipherLo;
    signal input orderNonce;
    // Private: the buyer key's x (either root), the key's big-endian 128-bit halves and the
    // ephemeral secret scalar.
    signal input buyerX;
    signal input keyHi;
    signal input keyLo;
    signal input ephemeralSecret;

    var DOMAIN = 0x61737361792e6b65792d7472616e736665722e7631; // "assay.key-transfer.v1"
    var SUBORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041;
    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];

    // The key opens the anchored commitment; KeyCommitment range-checks both limbs.
    signal commitment <== KeyCommitment()(keyHi, keyLo);
    commitment === keyCommitment;

    // 1 <= s < l: one scalar per ephemeral point, and never the identity (which would publish the key).
    signal secretBits[251] <== Num2Bits(251)(ephemeralSecret);
    signal belowOrder <== LessThan(251)([ephemeralSecret, SUBORDER]);
    belowOrder === 1;
    signal secretInverse <-- ephemeralSecret != 0 ? 1 / ephemeralSecret : 0;
    secretInverse * ephemeralSecret === 1;

    signal ephemeral[2] <== EscalarMulFix(251, BASE8)(secretBits);
    ephemeral[1] === ephemeralKey;
    _ <== ephemeral[0]; // the y names ±ephemeral, which serve the buyer alike (see above)

    // The buyer key lies on the curve and 8·buyer is not the identity (its x would be 0).
    component onCurve = BabyCheck();
    onCurve.x <== buyerX;
    onCurve.y <== buyerKey;
    component dbl[3];
    for (var i = 0; i < 3; i++) {
        dbl[i] = BabyDbl();
        dbl[i].x <== i == 0 ? buyerX : dbl[i - 1].xout;
        dbl[i].y <== i == 0 ? buyerKey : dbl[i - 1].yout;
    }
    signal eightXInverse <-- dbl[2].xout != 0 ? 1 / dbl[2].xout : 0;
    eightXInverse * dbl[2].xout === 1;
    _ <== dbl[2].yout; // x alone tells the identity (0, 1) and (0, -1) from every other point

    signal shared[2] <== EscalarMulAny(251)(secretBits, [buyerX, buyerKey]);
    _ <== shared[0]; // the buyer's point may be -shared: only the y is common to both

    signal pad0 <== Poseidon(4)([DOMAIN, shared[1], orderNonce, 0]);
    signal pad1 <== Poseidon(4)([DOMAIN, shared[1], orderNonce, 1]);
    cipherHi === keyHi + pad0;
    cipherLo === keyLo + pad1;
}
