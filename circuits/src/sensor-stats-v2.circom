pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "range-check.circom";
// BatchCommitment: the packing and hash chain are unchanged from v1, so commitments stay comparable.
include "sensor-stats.circom";

// Proves statistics over one batch of B device-signed readings without revealing them (circuit
// version 2; v1 never range-checked min, see docs/trust-model.md).
//
// Private inputs: lo, hi (in-range bounds, encoded); count (real readings, 1..B); the device's
// BabyJub public key (Ax, Ay); what the series' readings mean: metricHash (H(metric, unit), from
// the manifest), scale, offset, and the series nonce; batchIndex and last (1 on the series' final
// batch); the readings, the salt, and the device's signature (R8x, R8y, S).
//
// The series id is computed here, not given:
//   seriesId = Poseidon(deviceId, metricHash, scale, offset, lo, hi, nonce)
// and the device signs
//   Poseidon(DOMAIN, commitment, seriesId, batchIndex + last · 2^32)
// so its signature covers the readings, what they mean (metric, unit, scale, offset, valid band),
// their place in the series and whether the series ends there. A verifier recomputes seriesId from
// the manifest and the proven lo/hi; any relabelling, rescaling or re-banding changes it.
//
// Public outputs (packed as in v1; bit offsets in brackets):
//   commitment  the batch commitment
//   device      Poseidon(Ax, Ay), the device id registered on-chain
//   series      seriesId, as above
//   batch       batchIndex [0] | count [32] | lo [48] | hi [80] | last [112]
//   sums        sum [0] | sumSq [64] | inRange [160]
//   bounds      min [0] | max [32] | firstTime [64] | lastTime [128] | maxGap [192]
//
// Range checks (every signal that enters a comparison, a packing or a sum):
//   min, max, lo, hi      RangeCheck(VALUE_BITS)
//   values[i]             v − min and max − v in VALUE_BITS bits for real readings: with min and
//                         max in range, v ∈ [min, max] ⊂ [0, 2^VALUE_BITS); padding is 0
//   times                 times[0] < 2^TIME_BITS, each real gap − 1 in GAP_BITS bits, padding 0
//   batchIndex            RangeCheck(32); last, active[i] boolean; count = Σ active ≤ B < 2^16
//   maxGap                maxGap − gap[i] in GAP_BITS + 1 bits, and equal to one gap
// so each packed part is below its slot (sum < B·2^VB ≤ 2^64, sumSq < B·2^2VB ≤ 2^96, lastTime <
// 2^(TIME_BITS+1)) and a packed word, like a packed reading in the commitment, has one reading.
//
// NOTE: enforced outside the circuit (circuits/ verifier, contracts):
//   - the device id is a registered, unrevoked device of the dataset (checked on-chain);
//   - seriesId matches the manifest's series, batch indices of a series are 0..n-1 and only the
//     last one has last = 1 (circuits/check-proven-series.ts);
//   - lo <= hi is not required (an empty range simply counts 0);
//   - the salt is fresh random per batch (hiding), delivered to buyers inside the encrypted payload.
template SensorStatsV2(B, VALUE_BITS, TIME_BITS, GAP_BITS) {
    assert(VALUE_BITS + TIME_BITS + 2 < 250);
    assert(VALUE_BITS <= 32 && TIME_BITS <= 63 && GAP_BITS < 32 && B < (1 << 16));
    // "assay.batch.v2" as a big-endian integer: signatures for this statement serve no other.
    var DOMAIN = 1976540678857548370977950691915314;

    signal input lo;
    signal input hi;
    signal input count;
    signal input Ax;
    signal input Ay;
    signal input metricHash;
    signal input scale;
    signal input offset;
    signal input nonce;
    signal input batchIndex;
    signal input last;

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

    signal min;
    signal max;
    signal inRange;
    signal maxGap;

    // --- which slots are real: a prefix of ones summing to count (count >= 1) ---
    signal active[B];
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
    activeSum === count;

    // --- min and max: hinted, range-checked, proven to bound every real reading and to be attained ---
    var lowest = values[0];
    var highest = values[0];
    for (var i = 1; i < B; i++) {
        if (i < count && values[i] < lowest) { lowest = values[i]; }
        if (i < count && values[i] > highest) { highest = values[i]; }
    }
    min <-- lowest;
    max <-- highest;
    RangeCheck(VALUE_BITS)(min);
    RangeCheck(VALUE_BITS)(max);

    // v − min and max − v in range bound v to [min, max] ⊂ [0, 2^VALUE_BITS): one pair of
    // decompositions per reading is its range check and both comparisons.
    signal aboveMin[B];
    signal belowMax[B];
    signal minProduct[B];
    signal maxProduct[B];
    for (var i = 0; i < B; i++) {
        aboveMin[i] <== active[i] * (values[i] - min);
        belowMax[i] <== active[i] * (max - values[i]);
        RangeCheck(VALUE_BITS)(aboveMin[i]);
        RangeCheck(VALUE_BITS)(belowMax[i]);
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

    // --- in-range count over real readings with lo <= v <= hi ---
    RangeCheck(VALUE_BITS)(lo);
    RangeCheck(VALUE_BITS)(hi);
    signal aboveLo[B];
    signal belowHi[B];
    signal bothBounds[B];
    signal counted[B];
    var inRangeSum = 0;
    for (var i = 0; i < B; i++) {
        aboveLo[i] <== GreaterEqual(VALUE_BITS)(values[i], lo);
        belowHi[i] <== GreaterEqual(VALUE_BITS)(hi, values[i]);
        bothBounds[i] <== aboveLo[i] * belowHi[i];
        counted[i] <== bothBounds[i] * active[i];
        inRangeSum += counted[i];
    }
    inRange <== inRangeSum;

    // --- time: strictly increasing, gaps bounded, first/last/max gap ---
    RangeCheck(TIME_BITS)(times[0]);
    signal gap[B];
    gap[0] <== 0;
    for (var i = 1; i < B; i++) {
        gap[i] <== active[i] * (times[i] - times[i - 1]);
        // gap − 1 ≥ 0 for real readings: strictly increasing; 0 for padding.
        RangeCheck(GAP_BITS)(gap[i] - active[i]);
    }
    // Gaps of real readings telescope to lastTime − firstTime; padding gaps are 0. Each gap is at
    // most 2^GAP_BITS, so every time stays below 2^TIME_BITS + B · 2^GAP_BITS <= 2^(TIME_BITS + 1).
    assert(B * (1 << GAP_BITS) <= (1 << TIME_BITS));
    var gapSum = 0;
    for (var i = 1; i < B; i++) {
        gapSum += gap[i];
    }

    var widest = 0;
    for (var i = 1; i < B; i++) {
        if (i < count && times[i] - times[i - 1] > widest) { widest = times[i] - times[i - 1]; }
    }
    maxGap <-- widest;
    // maxGap >= every gap, and equal to one of them: with padding gaps at 0, the product over all
    // slots forces maxGap to a real gap when count >= 2 and to 0 when count = 1.
    signal gapProduct[B];
    gapProduct[0] <== 1;
    for (var i = 1; i < B; i++) {
        RangeCheck(GAP_BITS + 1)(maxGap - gap[i]);
        gapProduct[i] <== gapProduct[i - 1] * (maxGap - gap[i]);
    }
    gapProduct[B - 1] === 0;

    // --- commitment, series id and the device's signature over them ---
    component commit = BatchCommitment(B, VALUE_BITS, TIME_BITS);
    commit.salt <== salt;
    commit.count <== count;
    for (var i = 0; i < B; i++) {
        commit.values[i] <== values[i];
        commit.times[i] <== times[i];
    }
    commitment <== commit.out;

    device <== Poseidon(2)([Ax, Ay]);
    series <== Poseidon(7)([device, metricHash, scale, offset, lo, hi, nonce]);
    RangeCheck(32)(batchIndex);
    last * (last - 1) === 0;
    signal message <== Poseidon(4)([DOMAIN, commitment, series, batchIndex + last * (1 << 32)]);
    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== 1;
    signature.Ax <== Ax;
    signature.Ay <== Ay;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== message;

    // --- packed public outputs (layout above) ---
    batch <== batchIndex + count * (1 << 32) + lo * (1 << 48) + hi * (1 << 80) + last * (1 << 112);
    sums <== total + totalSq * (1 << 64) + inRange * (1 << 160);
    bounds <== min + max * (1 << 32) + times[0] * (1 << 64) + (times[0] + gapSum) * (1 << 128) + maxGap * (1 << 192);
}
