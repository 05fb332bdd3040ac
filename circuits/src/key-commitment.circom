pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

// Proves knowledge of a 32-byte data key that opens the anchored key commitment
// commitment = Poseidon(hi, lo), where hi and lo are the key's big-endian 128-bit halves.
//
// NOTE: the limbs are range-checked here (each < 2^128), so one key has exactly one encoding;
// the caller must still split keys as storage/ does (hi = bytes 0..15, lo = bytes 16..31).
template KeyCommitment() {
    signal input keyHi;
    signal input keyLo;
    signal output commitment;

    // Num2Bits constrains the limb to 128 bits; the bits themselves are not needed.
    _ <== Num2Bits(128)(keyHi);
    _ <== Num2Bits(128)(keyLo);

    commitment <== Poseidon(2)([keyHi, keyLo]);
}
