"""Second-order dual numbers in three variables, as plain Numba scalar code.

A dual number carries a value, its gradient and its (symmetric) Hessian with respect to
three inputs (index 0: excitatory rate nu_e, 1: inhibitory rate nu_i, 2: adaptation
current W). It is a flat tuple of 10 floats::

    (v, g0, g1, g2, h00, h01, h02, h11, h12, h22)

Propagating such numbers through the few elementary operations of the shot-noise theory
and the transfer-function template gives the value and exact first and second derivatives
in one pass (forward-mode automatic differentiation), inside compiled kernels and from
NumPy alike. Every function here is a separately compiled ``@njit`` function, called (and
mostly inlined by LLVM) from the kernels. They are deliberately *not* ``inline="always"``:
Numba-level inlining of these primitives at every call site made each kernel compile about
10x slower (a fixed-point solver 281 s -> 28 s, the ring kernel 459 s -> 54 s on 2 cores;
a cold quick study spent most of its time compiling), for a mean-field kernel about 1.35x
faster at run time (second order, 4.5 vs 6.2 ms per biological second, Euler).

Every mean-field kernel, these primitives included, compiles with ``error_model="numpy"``:
a float division is a plain IEEE division, without Python's zero test and the exception
branch it drags into every caller (the code keeps its divisors away from 0 itself, and the
results are bit for bit the same). That alone took the second-order kernel from 5.7 to
3.8 ms per biological second (Euler; Heun 11.1 -> 7.1 ms) and lets loops over columns
vectorise (:func:`adexmf.theory.transfer.transfer_values`).
"""

from __future__ import annotations

import math

from numba import njit

#: Number of floats in one dual number.
SIZE = 10
#: Position of the Hessian entry (j, k) in the tuple.
HESSIAN_INDEX = ((4, 5, 6), (5, 7, 8), (6, 8, 9))
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@njit(cache=True, error_model="numpy")
def const(c):
    """A constant (all derivatives zero)."""
    return (c, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@njit(cache=True, error_model="numpy")
def variables(x0, x1, x2):
    """The three independent variables as dual numbers."""
    return (
        (x0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (x1, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (x2, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    )


@njit(cache=True, error_model="numpy")
def lincomb(a, ca, b, cb, c0):
    """ca * a + cb * b + c0, for dual a, b and float coefficients."""
    return (
        ca * a[0] + cb * b[0] + c0,
        ca * a[1] + cb * b[1],
        ca * a[2] + cb * b[2],
        ca * a[3] + cb * b[3],
        ca * a[4] + cb * b[4],
        ca * a[5] + cb * b[5],
        ca * a[6] + cb * b[6],
        ca * a[7] + cb * b[7],
        ca * a[8] + cb * b[8],
        ca * a[9] + cb * b[9],
    )


@njit(cache=True, error_model="numpy")
def add(a, b):
    """a + b."""
    return lincomb(a, 1.0, b, 1.0, 0.0)


@njit(cache=True, error_model="numpy")
def sub(a, b):
    """a - b."""
    return lincomb(a, 1.0, b, -1.0, 0.0)


@njit(cache=True, error_model="numpy")
def affine(a, scale, shift):
    """scale * a + shift."""
    return lincomb(a, scale, a, 0.0, shift)


@njit(cache=True, error_model="numpy")
def scale(a, c):
    """c * a for a float c."""
    return lincomb(a, c, a, 0.0, 0.0)


@njit(cache=True, error_model="numpy")
def mul(a, b):
    """a * b (product rule to second order)."""
    a0, a1, a2, a3 = a[0], a[1], a[2], a[3]
    b0, b1, b2, b3 = b[0], b[1], b[2], b[3]
    return (
        a0 * b0,
        a0 * b1 + b0 * a1,
        a0 * b2 + b0 * a2,
        a0 * b3 + b0 * a3,
        a0 * b[4] + b0 * a[4] + 2.0 * a1 * b1,
        a0 * b[5] + b0 * a[5] + a1 * b2 + a2 * b1,
        a0 * b[6] + b0 * a[6] + a1 * b3 + a3 * b1,
        a0 * b[7] + b0 * a[7] + 2.0 * a2 * b2,
        a0 * b[8] + b0 * a[8] + a2 * b3 + a3 * b2,
        a0 * b[9] + b0 * a[9] + 2.0 * a3 * b3,
    )


@njit(cache=True, error_model="numpy")
def chain(a, f0, f1, f2):
    """f(a) for a scalar function with f(a0) = f0, f'(a0) = f1, f''(a0) = f2."""
    a1, a2, a3 = a[1], a[2], a[3]
    return (
        f0,
        f1 * a1,
        f1 * a2,
        f1 * a3,
        f1 * a[4] + f2 * a1 * a1,
        f1 * a[5] + f2 * a1 * a2,
        f1 * a[6] + f2 * a1 * a3,
        f1 * a[7] + f2 * a2 * a2,
        f1 * a[8] + f2 * a2 * a3,
        f1 * a[9] + f2 * a3 * a3,
    )


@njit(cache=True, error_model="numpy")
def reciprocal(a):
    """1 / a (a[0] != 0)."""
    r = 1.0 / a[0]
    return chain(a, r, -r * r, 2.0 * r * r * r)


@njit(cache=True, error_model="numpy")
def div(a, b):
    """a / b (b[0] != 0)."""
    return mul(a, reciprocal(b))


@njit(cache=True, error_model="numpy")
def square(a):
    """a ** 2."""
    return chain(a, a[0] * a[0], 2.0 * a[0], 2.0)


@njit(cache=True, error_model="numpy")
def sqrt(a):
    """sqrt(a) (a[0] > 0)."""
    s = math.sqrt(a[0])
    return chain(a, s, 0.5 / s, -0.25 / (s * a[0]))


@njit(cache=True, error_model="numpy")
def log(a):
    """Natural logarithm (a[0] > 0)."""
    r = 1.0 / a[0]
    return chain(a, math.log(a[0]), r, -r * r)


#: Beyond this |argument| erfc is 0 or 2 to double precision and all its derivatives vanish.
ERFC_SATURATION = 27.0


@njit(cache=True, error_model="numpy")
def erfc(a):
    """Complementary error function.

    Where erfc is saturated (|a| > 27, erfc(27) ~ 5e-319) the result is an exact constant:
    this avoids 0 * inf when the argument's own derivatives overflow (vanishing sigma_V).
    """
    x = a[0]
    if x > ERFC_SATURATION:
        return const(0.0)
    if x < -ERFC_SATURATION:
        return const(2.0)
    e = _TWO_OVER_SQRT_PI * math.exp(-x * x)
    return chain(a, math.erfc(x), -e, 2.0 * x * e)
