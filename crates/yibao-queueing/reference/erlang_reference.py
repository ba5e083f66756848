"""Reference values for the Erlang C / Erlang A tests of yibao-queueing, computed independently
of the Rust code with SciPy:

* Erlang C from the M/M/c formulas of Gross, Shortle, Thompson & Harris, "Fundamentals of
  Queueing Theory" (4th ed., 2008), section 2.3: C(c, a) = c·B / (c − a(1 − B)) with the
  Erlang B value B = P(Poisson(a) = c) / P(Poisson(a) ≤ c) from scipy.stats.poisson;
  P(W ≤ t) = 1 − C·exp(−(cμ − λ)t); E[W] = C / (cμ − λ).
* Erlang A from the closed forms of Garnett, Mandelbaum & Reiman, "Designing a call center with
  impatient customers", M&SOM 4(3), 2002, section 3 (also Mandelbaum & Zeltyn, "The M/M/n+G
  queue: summary of performance measures", 2009): A(x, y) = x·e^y·y^(−x)·γ(x, y) with
  x = nμ/θ, y = λ/θ and the lower incomplete gamma γ from scipy.special.gammainc;
  P(W > 0) = A·B / (1 + (A − 1)·B); P(Ab | W > 0) = 1/(ρA) + 1 − 1/ρ with ρ = λ/(nμ);
  P(Ab) = P(Ab | W > 0)·P(W > 0); E[W] = P(Ab)/θ.
* P(served and W ≤ t) for Erlang A by a different method than the Rust code: the tagged
  customer's absorbing Markov chain (i ahead → i − 1 at rate nμ + iθ, own abandonment at rate
  θ) solved with the matrix exponential scipy.linalg.expm, mixed over the arrival's view of
  the queue (birth-death stationary law, PASTA).

Run: python3 erlang_reference.py  (SciPy 1.17.1 was used for the values in src/erlang/tests.rs)
"""
import math

import numpy as np
from scipy.linalg import expm
from scipy.special import gammainc, gammaln
from scipy.stats import poisson


def erlang_b(c, a):
    return poisson.pmf(c, a) / poisson.cdf(c, a)


def erlang_c(lam, es, c):
    a = lam * es
    b = erlang_b(c, a)
    pw = c * b / (c - a * (1 - b))
    drain = c / es - lam
    return pw, pw / drain, lambda t: 1 - pw * math.exp(-drain * t)


def gmr_a(x, y):
    return math.exp(math.log(x) + y - x * math.log(y) + gammaln(x) + math.log(gammainc(x, y)))


def erlang_a(lam, es, patience, n):
    mu, theta = 1 / es, 1 / patience
    a = lam * es
    b = erlang_b(n, a)
    big_a = gmr_a(n * mu / theta, lam / theta)
    pw = big_a * b / (1 + (big_a - 1) * b)
    rho = lam / (n * mu)
    pab_w = 1 / (rho * big_a) + 1 - 1 / rho
    pab = pab_w * pw
    return pw, pab, pab / theta


def served_within(lam, es, patience, n, t):
    mu, theta = 1 / es, 1 / patience
    # stationary law relative to pi_n, queue part
    terms = [1.0]
    j = 0
    while True:
        j += 1
        terms.append(terms[-1] * lam / (n * mu + j * theta))
        if j > (lam - n * mu) / theta and terms[-1] < 1e-15 * sum(terms):
            break
    lower = 1 / erlang_b(n, lam * es)
    total = lower + sum(terms[1:])  # the lower part already holds state n
    free = 1 - sum(terms) / total
    arriving = np.array(terms) / total
    size = len(terms)
    # states 0..size-1 = number ahead, size = served, size+1 = abandoned
    q = np.zeros((size + 2, size + 2))
    for i in range(size):
        move = n * mu + i * theta
        q[i, i - 1 if i > 0 else size] += move
        q[i, size + 1] += theta
        q[i, i] -= move + theta
    p = expm(q * t)
    return free + float(arriving @ p[:size, size])


if __name__ == "__main__":
    print("Erlang C: lam, es, c -> P(wait), E[W], P(W<=t)")
    for lam, es, c, t in [
        (1.0, 1.0, 2, 1.0), (2.0, 1.0, 3, 0.5), (0.5, 8.0, 5, 5.0), (1.0, 10.0, 12, 5.0),
        (5.0, 10.0, 55, 2.0), (10.0, 10.0, 110, 1.0), (100.0, 4.0, 415, 0.25),
        (250.0, 4.0, 1030, 0.1),
    ]:
        pw, ew, sl = erlang_c(lam, es, c)
        print(f"({lam}, {es}, {c}, {t}, {pw:.12e}, {ew:.12e}, {sl(t):.12e}),")
    print("Erlang A: lam, es, patience, n -> P(wait), P(ab), E[W]")
    for lam, es, pat, n in [
        (1.0, 1.0, 2.0, 1), (0.5, 8.0, 30.0, 4), (2.0, 5.0, 10.0, 9), (1.0, 10.0, 20.0, 8),
        (10.0, 10.0, 30.0, 95), (100.0, 4.0, 2.0, 380), (3.0, 5.0, 45.0, 12),
    ]:
        pw, pab, ew = erlang_a(lam, es, pat, n)
        print(f"({lam}, {es}, {pat}, {n}, {pw:.12e}, {pab:.12e}, {ew:.12e}),")
    print("Erlang A: lam, es, patience, n, t -> P(served, W<=t)")
    for lam, es, pat, n, t in [
        (1.0, 1.0, 2.0, 1, 1.0), (0.5, 8.0, 30.0, 4, 5.0), (2.0, 5.0, 10.0, 9, 3.0),
        (1.0, 10.0, 20.0, 8, 5.0), (3.0, 5.0, 45.0, 12, 5.0), (1.2, 5.0, 30.0, 5, 10.0),
    ]:
        print(f"({lam}, {es}, {pat}, {n}, {t}, {served_within(lam, es, pat, n, t):.12e}),")
    # Consistency of the two SciPy methods: served eventually = 1 − P(Ab).
    for lam, es, pat, n in [(1.0, 1.0, 2.0, 1), (2.0, 5.0, 10.0, 9), (3.0, 5.0, 45.0, 12)]:
        assert abs(served_within(lam, es, pat, n, 2000.0) - (1 - erlang_a(lam, es, pat, n)[1])) < 1e-9
