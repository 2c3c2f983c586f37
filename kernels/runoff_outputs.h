// Kernels every runoff solver program shares (sequential and implicit include this header):
// the mean over a cell's nmul components, and the water-balance audit reduced on the device
// so only nine scalars return to the host.

// cell_runoff[t][c] = mean over k of unit_runoff[t][c * nmul + k], for rows*cells values
// (a unit row of `cells * nmul` values is `cells` groups of `nmul`).
__kernel void runoff_component_mean(const uint values, const uint nmul,
                                    __global const real *unit_runoff, __global real *cell_runoff) {
    const uint i = get_global_id(0);
    if (i >= values) return;
    __global const real *group = unit_runoff + (size_t)i * nmul;
    real sum = group[0];
    for (uint k = 1; k < nmul; ++k) sum += group[k];
    cell_runoff[i] = sum / (real)nmul;
}

// Water-balance audit. balance is [7][units]: per-unit totals of P, ET, Q, the storage change,
// the numerical inflow N (water a lower bound added, e.g. the SM floor), the groundwater
// exchange X (groundwater and runoff exchange; > 0 gained, < 0 lost across the boundary) and the glacier's ice melt I (water
// from the ice store, which lies outside the unit's storage sum dS) over the run (mm).
// One work-group of `get_local_size(0)` work-items (a power of two) writes summary[0..8] =
// sum P, sum ET, sum Q, sum dS, sum N, max |P + N + X + I - ET - Q - dS|, the largest
// |P + N + X + I - ET - Q - dS| / (P + N + max(X, 0) + I) over units (|error| itself where a unit had no
// inflow), sum X, sum I. scratch: 9 * local size reals. Solvers without lower bounds write N = 0,
// without exchange X = 0.
__kernel void runoff_balance_reduce(const uint units, __global const real *balance,
                                    __global real *summary, __local real *scratch) {
    const uint lid = get_local_id(0);
    const uint size = get_local_size(0);
    real sp = 0, se = 0, sq = 0, ss = 0, sn = 0, sx = 0, si = 0, max_abs = 0, max_rel = 0;
    for (uint u = lid; u < units; u += size) {
        const real p = balance[u];
        const real e = balance[units + u];
        const real q = balance[2 * (size_t)units + u];
        const real ds = balance[3 * (size_t)units + u];
        const real n = balance[4 * (size_t)units + u];
        const real x = balance[5 * (size_t)units + u];
        const real ice = balance[6 * (size_t)units + u];
        const real err = fabs((((((p + n) + x) + ice) - e) - q) - ds);
        const real inflow = ((p + n) + fmax(x, (real)0)) + ice;
        sp += p; se += e; sq += q; ss += ds; sn += n; sx += x; si += ice;
        max_abs = fmax(max_abs, err);
        max_rel = fmax(max_rel, inflow > 0 ? err / inflow : err);
    }
    __local real *s = scratch;
    s[lid] = sp; s[size + lid] = se; s[2 * size + lid] = sq; s[3 * size + lid] = ss;
    s[4 * size + lid] = sn; s[5 * size + lid] = max_abs; s[6 * size + lid] = max_rel; s[7 * size + lid] = sx;
    s[8 * size + lid] = si;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint stride = size / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            for (uint k = 0; k < 5; ++k) s[k * size + lid] += s[k * size + lid + stride];
            for (uint k = 5; k < 7; ++k) s[k * size + lid] = fmax(s[k * size + lid], s[k * size + lid + stride]);
            s[7 * size + lid] += s[7 * size + lid + stride];
            s[8 * size + lid] += s[8 * size + lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        for (uint k = 0; k < 9; ++k) summary[k] = s[k * size];
    }
}
