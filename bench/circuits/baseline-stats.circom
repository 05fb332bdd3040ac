pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";

// The straightforward circuit bench:prove compares SensorStats with: a Num2Bits(VALUE_BITS) range check
// per reading, LessThan comparators for a running min and max and for the in-range bounds, and a
// Poseidon(16) chunk commitment of the values. No time checks, no count masking, no signature.
// Benchmark only; never built into the product.
template BaselineStats(B, VALUE_BITS) {
    signal input values[B];
    signal input lo;
    signal input hi;
    signal input salt;
    signal output sum;
    signal output sumSq;
    signal output min;
    signal output max;
    signal output inRange;
    signal output commitment;

    component range[B];
    component lessMin[B];
    component moreMax[B];
    component belowLo[B];
    component aboveHi[B];
    signal runMin[B];
    signal runMax[B];
    signal squares[B];
    signal inside[B];
    var total = 0;
    var totalSq = 0;
    var count = 0;
    for (var i = 0; i < B; i++) {
        range[i] = Num2Bits(VALUE_BITS);
        range[i].in <== values[i];
        squares[i] <== values[i] * values[i];
        total += values[i];
        totalSq += squares[i];
        if (i == 0) {
            runMin[i] <== values[i];
            runMax[i] <== values[i];
        } else {
            lessMin[i] = LessThan(VALUE_BITS);
            lessMin[i].in <== [values[i], runMin[i - 1]];
            runMin[i] <== lessMin[i].out * (values[i] - runMin[i - 1]) + runMin[i - 1];
            moreMax[i] = LessThan(VALUE_BITS);
            moreMax[i].in <== [runMax[i - 1], values[i]];
            runMax[i] <== moreMax[i].out * (values[i] - runMax[i - 1]) + runMax[i - 1];
        }
        belowLo[i] = LessThan(VALUE_BITS);
        belowLo[i].in <== [values[i], lo];
        aboveHi[i] = LessThan(VALUE_BITS);
        aboveHi[i].in <== [hi, values[i]];
        inside[i] <== (1 - belowLo[i].out) * (1 - aboveHi[i].out);
        count += inside[i];
    }
    sum <== total;
    sumSq <== totalSq;
    min <== runMin[B - 1];
    max <== runMax[B - 1];
    inRange <== count;

    var CHUNKS = (B + 15) \ 16; // a last partial chunk is padded with zeros
    signal chain[CHUNKS + 1];
    chain[0] <== salt;
    component chunk[CHUNKS];
    for (var k = 0; k < CHUNKS; k++) {
        chunk[k] = Poseidon(16);
        for (var j = 0; j < 16; j++) {
            chunk[k].inputs[j] <== 16 * k + j < B ? values[16 * k + j] : 0;
        }
        chain[k + 1] <== Poseidon(2)([chain[k], chunk[k].out]);
    }
    commitment <== chain[CHUNKS];
}
