pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";

// Batch commitment over B readings. Each reading packs to r = time · 2^VALUE_BITS + value
// (READING_BITS = VALUE_BITS + TIME_BITS + 1 bits); three readings share one field element
// e = r0 + r1 · 2^READING_BITS + r2 · 2^(2·READING_BITS); sixteen elements feed one Poseidon(16):
//   h = Poseidon(salt, count); for each 48 readings h = Poseidon(h, Poseidon(e[16k .. 16k+15]))
// Slots past B are zero.
// NOTE: packing is injective only because the caller range-checks every value below
// 2^VALUE_BITS and every time below 2^(TIME_BITS + 1); SensorStats does both.
template BatchCommitment(B, VALUE_BITS, TIME_BITS) {
    var READING_BITS = VALUE_BITS + TIME_BITS + 1;
    assert(3 * READING_BITS <= 252);
    signal input salt;
    signal input count;
    signal input values[B];
    signal input times[B];
    signal output out;

    var ELEMENTS = (B + 2) \ 3;
    var CHUNKS = (ELEMENTS + 15) \ 16;
    signal chain[CHUNKS + 1];
    chain[0] <== Poseidon(2)([salt, count]);
    component chunk[CHUNKS];
    for (var k = 0; k < CHUNKS; k++) {
        chunk[k] = Poseidon(16);
        for (var j = 0; j < 16; j++) {
            var element = 0;
            for (var r = 0; r < 3; r++) {
                var i = 3 * (16 * k + j) + r;
                if (i < B) {
                    element += (times[i] * (1 << VALUE_BITS) + values[i]) * (1 << (r * READING_BITS));
                }
            }
            chunk[k].inputs[j] <== element;
        }
        chain[k + 1] <== Poseidon(2)([chain[k], chunk[k].out]);
    }
    out <== chain[CHUNKS];
}

// Proves statistics over one batch of B device-signed readings without revealing them.
//
// Inputs (all private): lo, hi (in-range bounds, encoded), count (real readings, 1..B), the
// device's BabyJub public key (Ax, Ay), seriesId, batchIndex, the readings, the salt and the
// device's signature (R8x, R8y, S).
// Public outputs, packed so that on-chain verification pays for 6 signals instead of 16
// (each public signal costs an ecMul + ecAdd, ~7k gas); bit offsets in brackets:
//   commitment  the batch commitment
//   device      Poseidon(Ax, Ay), the device id registered on-chain
//   series      seriesId
//   batch       batchIndex [0] | count [32] | lo [48] | hi [80]
//   sums        sum [0] | sumSq [64] | inRange [160]
//   bounds      min [0] | max [32] | firstTime [64] | lastTime [128] | maxGap [192]
// Every packed part is below its slot (range-checked here, or bounded by construction: sum <
// B·2^32, sumSq < B·2^64, inRange <= count <= B < 2^16, lastTime < 2^(TIME_BITS+1), maxGap <= 2^GAP_BITS),
// so a packed word has exactly one reading.
//
// Enforced here: every real reading is an integer in [0, 2^VALUE_BITS); times are strictly
// increasing, times[0] < 2^TIME_BITS, each gap in [1, 2^GAP_BITS]; slots at index >= count hold
// zeros and influence no output; min and max are bounds attained by real readings; maxGap is the
// largest gap (0 when count = 1); inRange counts real readings with lo <= v <= hi; batchIndex <
// 2^32; the device key signed Poseidon(commitment, seriesId, batchIndex), so a proof cannot be
// replayed under another series or batch index.
//
// NOTE: enforced outside the circuit (circuits/ guard, verifier, contracts):
//   - the device id is a registered, unrevoked device of the dataset (checked on-chain);
//   - seriesId and batchIndex match the manifest, and batch indices of a series are 0..n-1;
//   - lo <= hi is not required (an empty range simply counts 0);
//   - the salt is fresh random per batch (hiding), delivered to buyers inside the encrypted payload.
template SensorStats(B, VALUE_BITS, TIME_BITS, GAP_BITS) {
    assert(VALUE_BITS + TIME_BITS + 2 < 250);
    assert(VALUE_BITS <= 32 && TIME_BITS <= 63 && GAP_BITS < 32 && B < (1 << 16));

    signal input lo;
    signal input hi;
    signal input count;
    signal input Ax;
    signal input Ay;
    signal input seriesId;
    signal input batchIndex;

    signal input values[B];
    signal input times[B];
    signal input salt;
    signal input R8x;
    signal input R8y;
    signal input S;

    signal output commitment;
    signal output device;
    signal output series;
    signal output batch;
    signal output sums;
    signal output bounds;

    signal sum;
    signal sumSq;
    signal min;
    signal max;
    signal inRange;
    signal firstTime;
    signal lastTime;
    signal maxGap;

    // --- which slots are real: a prefix of ones summing to count (count >= 1) ---
    signal active[B + 1];
    var activeSum = 0;
    for (var i = 0; i < B; i++) {
        active[i] <-- i < count ? 1 : 0;
        active[i] * (active[i] - 1) === 0;
        if (i > 0) {
            active[i] * (1 - active[i - 1]) === 0;
        }
        activeSum += active[i];
        // Padding holds zeros, so it adds nothing to sums and commits to a fixed value.
        (1 - active[i]) * values[i] === 0;
        (1 - active[i]) * times[i] === 0;
    }
    active[0] === 1;
    active[B] <== 0;
    activeSum === count;

    // --- min and max: hinted, then proven to bound every real reading and to be attained ---
    var lowest = values[0];
    var highest = values[0];
    for (var i = 1; i < B; i++) {
        if (i < count && values[i] < lowest) { lowest = values[i]; }
        if (i < count && values[i] > highest) { highest = values[i]; }
    }
    min <-- lowest;
    max <-- highest;
    component maxBits = Num2Bits(VALUE_BITS);
    maxBits.in <== max;

    // v - min and max - v in range together bound v to [min, max] within [0, 2^VALUE_BITS):
    // the shared decompositions replace a separate range check and two comparators per reading.
    signal aboveMin[B];
    signal belowMax[B];
    component aboveMinBits[B];
    component belowMaxBits[B];
    signal minProduct[B];
    signal maxProduct[B];
    for (var i = 0; i < B; i++) {
        aboveMin[i] <== active[i] * (values[i] - min);
        belowMax[i] <== active[i] * (max - values[i]);
        aboveMinBits[i] = Num2Bits(VALUE_BITS);
        aboveMinBits[i].in <== aboveMin[i];
        belowMaxBits[i] = Num2Bits(VALUE_BITS);
        belowMaxBits[i].in <== belowMax[i];
        // A product with a zero factor exactly when some real reading equals min (resp. max).
        if (i == 0) {
            minProduct[i] <== aboveMin[i];
            maxProduct[i] <== belowMax[i];
        } else {
            minProduct[i] <== minProduct[i - 1] * (aboveMin[i] + 1 - active[i]);
            maxProduct[i] <== maxProduct[i - 1] * (belowMax[i] + 1 - active[i]);
        }
    }
    minProduct[B - 1] === 0;
    maxProduct[B - 1] === 0;

    // --- sums ---
    var total = 0;
    var totalSq = 0;
    signal squares[B];
    for (var i = 0; i < B; i++) {
        squares[i] <== values[i] * values[i];
        total += values[i];
        totalSq += squares[i];
    }
    sum <== total;
    sumSq <== totalSq;

    // --- in-range count: bit VALUE_BITS of (v - lo + 2^VALUE_BITS) is [v >= lo] ---
    component loBits = Num2Bits(VALUE_BITS);
    loBits.in <== lo;
    component hiBits = Num2Bits(VALUE_BITS);
    hiBits.in <== hi;
    component geLo[B];
    component leHi[B];
    signal bothBounds[B];
    signal counted[B];
    var inRangeSum = 0;
    for (var i = 0; i < B; i++) {
        geLo[i] = Num2Bits(VALUE_BITS + 1);
        geLo[i].in <== values[i] - lo + (1 << VALUE_BITS);
        leHi[i] = Num2Bits(VALUE_BITS + 1);
        leHi[i].in <== hi - values[i] + (1 << VALUE_BITS);
        bothBounds[i] <== geLo[i].out[VALUE_BITS] * leHi[i].out[VALUE_BITS];
        counted[i] <== bothBounds[i] * active[i];
        inRangeSum += counted[i];
    }
    inRange <== inRangeSum;

    // --- time: strictly increasing, gaps bounded, first/last/max gap ---
    component firstBits = Num2Bits(TIME_BITS);
    firstBits.in <== times[0];
    firstTime <== times[0];

    signal gap[B];
    component gapBits[B];
    gap[0] <== 0;
    for (var i = 1; i < B; i++) {
        gap[i] <== active[i] * (times[i] - times[i - 1]);
        // gap - 1 >= 0 for real readings: strictly increasing; 0 for padding.
        gapBits[i] = Num2Bits(GAP_BITS);
        gapBits[i].in <== gap[i] - active[i];
    }

    // Gaps of real readings telescope to lastTime - firstTime; padding gaps are 0. Each gap is
    // below 2^GAP_BITS + 1, so every time stays below 2^TIME_BITS + B · 2^GAP_BITS <= 2^(TIME_BITS + 1).
    assert(B * (1 << GAP_BITS) <= (1 << TIME_BITS));
    var gapSum = 0;
    for (var i = 1; i < B; i++) {
        gapSum += gap[i];
    }
    lastTime <== times[0] + gapSum;

    var widest = 0;
    for (var i = 1; i < B; i++) {
        if (i < count && times[i] - times[i - 1] > widest) { widest = times[i] - times[i - 1]; }
    }
    maxGap <-- widest;
    // maxGap >= every gap, and equal to one of them: with padding gaps at 0, the product over all
    // slots forces maxGap to a real gap when count >= 2 and to 0 when count = 1.
    component gapBound[B];
    signal gapProduct[B];
    gapProduct[0] <== 1;
    for (var i = 1; i < B; i++) {
        gapBound[i] = Num2Bits(GAP_BITS + 1);
        gapBound[i].in <== maxGap - gap[i];
        gapProduct[i] <== gapProduct[i - 1] * (maxGap - gap[i]);
    }
    gapProduct[B - 1] === 0;

    // --- commitment and the device's signature over it ---
    component commit = BatchCommitment(B, VALUE_BITS, TIME_BITS);
    commit.salt <== salt;
    commit.count <== count;
    for (var i = 0; i < B; i++) {
        commit.values[i] <== values[i];
        commit.times[i] <== times[i];
    }
    commitment <== commit.out;

    signal message <== Poseidon(3)([commitment, seriesId, batchIndex]);
    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== 1;
    signature.Ax <== Ax;
    signature.Ay <== Ay;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== message;

    // --- packed public outputs (layout above) ---
    device <== Poseidon(2)([Ax, Ay]);
    series <== seriesId;
    component batchIndexBits = Num2Bits(32);
    batchIndexBits.in <== batchIndex;
    batch <== batchIndex + count * (1 << 32) + lo * (1 << 48) + hi * (1 << 80);
    sums <== sum + sumSq * (1 << 64) + inRange * (1 << 160);
    bounds <== min + max * (1 << 32) + firstTime * (1 << 64) + lastTime * (1 << 128) + maxGap * (1 << 192);
}
