pragma circom 2.1.6;

// Range checks without unused outputs: circomlib's Num2Bits exposes every bit, and a caller that
// only needs "in < 2^n" leaves n outputs unread (circom --inspect warns, CA02, on each). Same
// constraints as Num2Bits: n booleans and one linear sum.

// in ∈ [0, 2^n). n ≤ 252, so the bits cannot wrap around the field.
template RangeCheck(n) {
    assert(n <= 252);
    signal input in;
    signal bits[n];
    var sum = 0;
    var weight = 1;
    for (var i = 0; i < n; i++) {
        bits[i] <-- (in >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        sum += bits[i] * weight;
        weight += weight;
    }
    sum === in;
}

// out = [a ≥ b] for a, b ∈ [0, 2^n) (the caller range-checks both): a − b + 2^n lies in
// (0, 2^(n+1)) and its bit n is set exactly when a ≥ b.
template GreaterEqual(n) {
    assert(n <= 251);
    signal input a;
    signal input b;
    signal output out;
    signal bits[n + 1];
    var sum = 0;
    var weight = 1;
    for (var i = 0; i <= n; i++) {
        bits[i] <-- ((a - b + (1 << n)) >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        sum += bits[i] * weight;
        weight += weight;
    }
    sum === a - b + (1 << n);
    out <== bits[n];
}
