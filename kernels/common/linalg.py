"""The dense linear-algebra factorizations both backends run (LU, Cholesky, QR, symmetric
eigendecomposition and SVD by Jacobi rotations): each a `prange` over a batch of matrices
that the CPU compiles as is (kernels/cpu/linalg.py) and CUDA runs a matrix per thread
(kernels/cuda/linalg.py)."""

from __future__ import annotations

import math

from numba import njit, prange

EPS = 2.220446049250313e-16  # float64's machine epsilon: the Jacobi convergence test


MAX_SWEEPS = 60  # Jacobi converges quadratically; ~10 sweeps are typical for n <= 64


@njit(inline="always")
def rotation(theta):
    """(c, s) of the Jacobi rotation that zeroes an off-diagonal pair, from
    theta = (a_qq - a_pp) / (2 a_pq): t = tan of the smaller of the two angles."""
    if abs(theta) > 1e150:  # theta * theta would overflow: t ~ 1 / (2 theta)
        t = 0.5 / theta
    else:
        t = math.copysign(1.0, theta) / (abs(theta) + math.sqrt(theta * theta + 1.0))
    c = 1.0 / math.sqrt(t * t + 1.0)
    return c, t * c


def lu_factor(a, lu, pivots, info):
    """a, lu: (batch, n, n); pivots: (batch, n) int64; info: (batch,) int64.
    lu = L and U of P A = L U (L unit lower, stored below the diagonal), row k swapped with
    row pivots[b, k] (k <= pivots[b, k] < n) at step k; info[b] = 1 + the first k with
    U[k, k] == 0, else 0. As LAPACK's getrf, the elimination goes on past a zero pivot."""
    n = a.shape[1]
    for b in prange(a.shape[0]):
        m = lu[b]
        for i in range(n):
            for j in range(n):
                m[i, j] = a[b, i, j]
        info[b] = 0
        for k in range(n):
            p = k
            big = abs(m[k, k])
            for i in range(k + 1, n):
                if abs(m[i, k]) > big:  # the first largest, as LAPACK's idamax
                    big = abs(m[i, k])
                    p = i
            pivots[b, k] = p
            if p != k:
                for j in range(n):
                    m[k, j], m[p, j] = m[p, j], m[k, j]
            if m[k, k] == 0.0:
                if info[b] == 0:
                    info[b] = k + 1
                continue
            for i in range(k + 1, n):
                f = m[i, k] / m[k, k]
                m[i, k] = f
                for j in range(k + 1, n):
                    m[i, j] -= f * m[k, j]


def lu_solve(lu, pivots, x, identity):
    """x: (batch, n, k) right-hand sides (the identity when `identity`: the inverse),
    overwritten with the solutions X of A X = B from lu_factor's lu and pivots (A
    nonsingular: the caller checked info)."""
    n, cols = x.shape[1], x.shape[2]
    for b in prange(x.shape[0]):
        m = lu[b]
        r = x[b]
        if identity:
            for i in range(n):
                for j in range(cols):
                    r[i, j] = 1.0 if i == j else 0.0
        for k in range(n):
            p = pivots[b, k]  # k <= p < n, written by lu_factor
            if p != k:
                for j in range(cols):
                    r[k, j], r[p, j] = r[p, j], r[k, j]
        for k in range(n):
            for i in range(k + 1, n):
                f = m[i, k]
                for j in range(cols):
                    r[i, j] -= f * r[k, j]
        for k in range(n - 1, -1, -1):
            for j in range(cols):
                r[k, j] /= m[k, k]
            for i in range(k):
                f = m[i, k]
                for j in range(cols):
                    r[i, j] -= f * r[k, j]


def lu_det(lu, pivots, det, sign, logabsdet):
    """det, sign, logabsdet: (batch,) from lu_factor's output: det = (-1)^swaps prod U[k, k],
    its sign and log|det| kept apart so that they survive det's under- and overflow."""
    n = lu.shape[1]
    for b in prange(lu.shape[0]):
        product = 1.0
        signum = 1.0
        log_sum = 0.0
        for k in range(n):
            u = lu[b, k, k]
            if pivots[b, k] != k:
                signum = -signum
            product *= u
            if u < 0.0:
                signum = -signum
            if u == 0.0:
                signum = 0.0
                log_sum = -math.inf  # log(0): spelled out, the simulator's math.log raises
            elif log_sum != -math.inf:
                log_sum += math.log(abs(u))
        det[b] = product if signum * product >= 0.0 else -product
        sign[b] = signum
        logabsdet[b] = log_sum


def cholesky(a, lower, info):
    """a, lower: (batch, n, n); info: (batch,) int64. lower = L with L L^T = A, read from
    A's lower triangle; info[b] = the order of the first leading minor that is not
    positive-definite (0 when none; the factor is then zero from column info - 1 on)."""
    n = a.shape[1]
    for b in prange(a.shape[0]):
        m = lower[b]
        info[b] = 0
        for i in range(n):  # zeros above the diagonal, and past a failure
            for j in range(n):
                m[i, j] = 0.0
        for j in range(n):
            s = a[b, j, j]
            for k in range(j):
                s -= m[j, k] * m[j, k]
            if not s > 0.0:  # NaN fails too
                info[b] = j + 1
                break
            d = math.sqrt(s)
            m[j, j] = d
            for i in range(j + 1, n):
                t = a[b, i, j]
                for k in range(j):
                    t -= m[i, k] * m[j, k]
                m[i, j] = t / d


def qr(a, q, r, v):
    """a, r: (batch, m, n); q: (batch, m, m); v: (batch, m) scratch. r = R, q = Q with
    A = Q R by Householder reflections with LAPACK's (geqrf's) signs, R[k, k] =
    -sign(alpha) |x|, so values match numpy's and PyTorch's; a column already zero
    below the diagonal gets no reflection."""
    m, n = a.shape[1], a.shape[2]
    for b in prange(a.shape[0]):
        rb = r[b]
        qb = q[b]
        w = v[b]
        for i in range(m):
            for j in range(n):
                rb[i, j] = a[b, i, j]
            for j in range(m):
                qb[i, j] = 1.0 if i == j else 0.0
        for k in range(min(m, n)):
            alpha = rb[k, k]
            below = 0.0
            for i in range(k + 1, m):
                below += rb[i, k] * rb[i, k]
            if below == 0.0:
                continue
            beta = -math.copysign(math.sqrt(alpha * alpha + below), alpha)
            tau = (beta - alpha) / beta
            scale = 1.0 / (alpha - beta)
            w[k] = 1.0
            for i in range(k + 1, m):
                w[i] = rb[i, k] * scale
                rb[i, k] = 0.0
            rb[k, k] = beta
            for j in range(k + 1, n):  # R = H R on the trailing columns
                s = 0.0
                for i in range(k, m):
                    s += w[i] * rb[i, j]
                s *= tau
                for i in range(k, m):
                    rb[i, j] -= s * w[i]
            for i in range(m):  # Q = Q H
                s = 0.0
                for j in range(k, m):
                    s += qb[i, j] * w[j]
                s *= tau
                for j in range(k, m):
                    qb[i, j] -= s * w[j]


def eigh(a, values, vectors, work, lower):
    """a, vectors, work: (batch, n, n); values: (batch, n). The eigenvalues (ascending) and
    orthonormal eigenvectors (columns) of the symmetric matrix read from a's lower
    (`lower`) or upper triangle. Cyclic Jacobi: a pair is rotated away unless it is
    negligible against its diagonal elements (Demmel and Veselic's relative test), until
    a sweep rotates nothing."""
    n = a.shape[1]
    for b in prange(a.shape[0]):
        w = work[b]
        v = vectors[b]
        for i in range(n):
            for j in range(n):
                hi, lo = (i, j) if i >= j else (j, i)
                w[i, j] = a[b, hi, lo] if lower else a[b, lo, hi]
                v[i, j] = 1.0 if i == j else 0.0
        for _ in range(MAX_SWEEPS):
            rotated = False
            for p in range(n - 1):
                for q in range(p + 1, n):
                    apq = w[p, q]
                    if abs(apq) <= EPS * math.sqrt(abs(w[p, p]) * abs(w[q, q])):
                        continue
                    rotated = True
                    c, s = rotation((w[q, q] - w[p, p]) / (2.0 * apq))
                    for k in range(n):  # W J
                        wp, wq = w[k, p], w[k, q]
                        w[k, p] = c * wp - s * wq
                        w[k, q] = s * wp + c * wq
                    for k in range(n):  # J^T W
                        wp, wq = w[p, k], w[q, k]
                        w[p, k] = c * wp - s * wq
                        w[q, k] = s * wp + c * wq
                    w[p, q] = 0.0  # zero by construction; rounding would leave ~eps
                    w[q, p] = 0.0
                    for k in range(n):  # V J
                        vp, vq = v[k, p], v[k, q]
                        v[k, p] = c * vp - s * vq
                        v[k, q] = s * vp + c * vq
            if not rotated:
                break
        for i in range(n):
            values[b, i] = w[i, i]
        for i in range(n):  # selection sort, ascending, the vectors with their values
            best = i
            for j in range(i + 1, n):
                if values[b, j] < values[b, best]:
                    best = j
            if best != i:
                values[b, i], values[b, best] = values[b, best], values[b, i]
                for k in range(n):
                    v[k, i], v[k, best] = v[k, best], v[k, i]


def svd(a, u, s, v, work):
    """a, work: (batch, m, n) with m >= n; u: (batch, m, ucols), ucols n or m (full);
    s: (batch, n) descending; v: (batch, n, n); A = U[:, :n] diag(S) V^T. One-sided
    Jacobi (Hestenes): rotate pairs of columns of A until each pair is orthogonal to
    working precision relative to their norms, accumulating the rotations in V; S holds
    the column norms and U the normalised columns. U's columns for zero singular values
    and past n are completed from the unit vectors by Gram-Schmidt."""
    m, n, ucols = a.shape[1], a.shape[2], u.shape[2]
    for b in prange(a.shape[0]):
        w = work[b]
        vb = v[b]
        ub = u[b]
        for i in range(m):
            for j in range(n):
                w[i, j] = a[b, i, j]
        for i in range(n):
            for j in range(n):
                vb[i, j] = 1.0 if i == j else 0.0
        for _ in range(MAX_SWEEPS):
            rotated = False
            for p in range(n - 1):
                for q in range(p + 1, n):
                    alpha = 0.0
                    beta = 0.0
                    gamma = 0.0
                    for k in range(m):
                        alpha += w[k, p] * w[k, p]
                        beta += w[k, q] * w[k, q]
                        gamma += w[k, p] * w[k, q]
                    if abs(gamma) <= EPS * math.sqrt(alpha * beta):
                        continue
                    rotated = True
                    c, sn = rotation((beta - alpha) / (2.0 * gamma))
                    for k in range(m):
                        wp, wq = w[k, p], w[k, q]
                        w[k, p] = c * wp - sn * wq
                        w[k, q] = sn * wp + c * wq
                    for k in range(n):
                        vp, vq = vb[k, p], vb[k, q]
                        vb[k, p] = c * vp - sn * vq
                        vb[k, q] = sn * vp + c * vq
            if not rotated:
                break
        for j in range(n):
            total = 0.0
            for k in range(m):
                total += w[k, j] * w[k, j]
            s[b, j] = math.sqrt(total)
        for i in range(n):  # selection sort, descending, the columns with their values
            best = i
            for j in range(i + 1, n):
                if s[b, j] > s[b, best]:
                    best = j
            if best != i:
                s[b, i], s[b, best] = s[b, best], s[b, i]
                for k in range(m):
                    w[k, i], w[k, best] = w[k, best], w[k, i]
                for k in range(n):
                    vb[k, i], vb[k, best] = vb[k, best], vb[k, i]
        for j in range(ucols):
            if j < n and s[b, j] > 0.0:
                for k in range(m):
                    ub[k, j] = w[k, j] / s[b, j]
                continue
            # the unit vector farthest from the span of columns 0..j-1 (its residual is at
            # least (m - j) / m in squared norm), orthogonalised twice against them
            best = 0
            best_residual = -1.0
            for e in range(m):
                residual = 1.0
                for col in range(j):
                    residual -= ub[e, col] * ub[e, col]
                if residual > best_residual:
                    best_residual = residual
                    best = e
            for k in range(m):
                ub[k, j] = 1.0 if k == best else 0.0
            for _ in range(2):
                for col in range(j):
                    dot = 0.0
                    for k in range(m):
                        dot += ub[k, col] * ub[k, j]
                    for k in range(m):
                        ub[k, j] -= dot * ub[k, col]
            total = 0.0
            for k in range(m):
                total += ub[k, j] * ub[k, j]
            norm = math.sqrt(total)
            for k in range(m):
                ub[k, j] /= norm


# after scaling to a 1-norm of at most 1/2, the first term left out of the Taylor series of
# exp is below 0.5**19 / 19! ~ 1.6e-23: float64's rounding, not the series, sets the error
TAYLOR_TERMS = 18


def matrix_exp(a, out, term, work):
    """a, out, term, work: (batch, n, n) C-contiguous float64; out = exp(a) for each matrix
    by scaling and squaring: a / 2^s with 1-norm <= 1/2, its Taylor series, then squared s
    times. term and work are scratch. A matrix holding inf or NaN is not scaled (its
    result is not finite either way)."""
    n = a.shape[1]
    for b in prange(a.shape[0]):
        m = a[b]
        e = out[b]
        t = term[b]
        w = work[b]
        norm = 0.0
        for j in range(n):
            column = 0.0
            for i in range(n):
                column += abs(m[i, j])
            norm = max(norm, column)
        squarings = 0
        if norm > 0.5 and norm < math.inf:
            squarings = int(math.ceil(math.log2(norm * 2.0)))
        scale = 0.5**squarings
        for i in range(n):
            for j in range(n):
                e[i, j] = 1.0 if i == j else 0.0
                t[i, j] = e[i, j]
        for k in range(1, TAYLOR_TERMS + 1):
            factor = scale / k
            for i in range(n):
                for j in range(n):
                    total = 0.0
                    for p in range(n):
                        total += t[i, p] * m[p, j]
                    w[i, j] = total * factor
            for i in range(n):
                for j in range(n):
                    t[i, j] = w[i, j]
                    e[i, j] += w[i, j]
        for _ in range(squarings):
            for i in range(n):
                for j in range(n):
                    total = 0.0
                    for p in range(n):
                        total += e[i, p] * e[p, j]
                    w[i, j] = total
            for i in range(n):
                for j in range(n):
                    e[i, j] = w[i, j]
