"""Random permutations and pseudo p-values for permutation inference.

The draws reproduce PySAL's esda exactly, from a *local* random generator:

* global statistics (esda ``Moran``): ``permutations`` successive calls of
  ``np.random.permutation`` after ``np.random.seed(seed)``;
  :func:`global_permutations` yields the same index permutations from
  ``np.random.RandomState(seed)``;
* local statistics (esda ``crand``, conditional randomisation): one matrix
  of ids, ``permutations x max_cardinality``, row ``k`` being
  ``np.random.choice(n - 1, max_card, replace=False)`` drawn inside numba
  after ``np.random.seed(seed)``. numba implements that choice as the first
  ``max_card`` values of ``np.random.permutation(n - 1)`` with numpy's own
  Mersenne Twister and shuffle, so :func:`conditional_permutation_ids`
  reproduces it with ``RandomState(seed).permutation(n - 1)[:max_card]``.
  The same id matrix serves every region (an id ``j >= i`` stands for region
  ``j + 1``, so that region ``i`` never draws itself) and every period.

References
----------
Anselin, L. (1995). Local indicators of spatial association - LISA.
*Geographical Analysis*, 27(2), 93-115.

Hope, A. C. A. (1968). A simplified Monte Carlo significance test procedure.
*Journal of the Royal Statistical Society B*, 30(3), 582-598.
"""
import queue
import threading

import numpy as np

__all__ = [
    "check_permutations",
    "check_seed",
    "global_permutations",
    "drawn_ahead",
    "conditional_permutation_ids",
    "folded_p_value",
]


def check_permutations(permutations):
    """Return ``permutations`` as a non-negative int or raise ``ValueError``."""
    if isinstance(permutations, (bool, np.bool_)) or not isinstance(
        permutations, (int, np.integer)
    ):
        raise ValueError(
            f"permutations must be a whole number >= 0, got {permutations!r}"
        )
    if permutations < 0:
        raise ValueError(f"permutations must be >= 0, got {permutations}")
    return int(permutations)


def check_seed(seed):
    """Return ``seed`` as an int in ``[0, 2**32 - 1]`` (or None) or raise ``ValueError``."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be a whole number between 0 and 2**32 - 1, got {seed!r}")
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed}")
    return int(seed)


def global_permutations(n, permutations, seed, block=None):
    """Yield blocks of permutations of ``0..n-1``, as esda's ``Moran`` draws them.

    Parameters
    ----------
    n : int
        Number of regions.
    permutations : int
        Total number of permutations.
    seed : int or None
        Seed of a local ``np.random.RandomState``; ``None`` draws fresh entropy.
    block : int, optional
        Permutations per block; by default about 32 MB of int64 per block.

    Yields
    ------
    (b, n) int64 array
        The next ``b`` permutations, in draw order.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.arange(5.0)
    >>> first = next(global_permutations(5, 2, seed=1))
    >>> np.random.seed(1)
    >>> bool(np.array_equal(z[first[0]], np.random.permutation(z)))
    True
    """
    rs = np.random.RandomState(seed)
    if block is None:
        block = max(1, (1 << 22) // max(1, n))
    done = 0
    while done < permutations:
        b = min(block, permutations - done)
        out = np.empty((b, n), dtype=np.int64)
        for k in range(b):
            out[k] = rs.permutation(n)
        done += b
        yield out


class drawn_ahead:
    """Iterate over ``blocks`` (a generator of permutation blocks) while a
    background thread draws the next ones.

    Drawing a permutation of 1,000,000 regions takes about 30 ms (numpy's
    shuffle releases the GIL), the numba kernels release it too, so the
    draws of block ``b + 1`` overlap the statistics of block ``b``. The
    blocks, and so the results, are exactly those of iterating ``blocks``
    directly. Use as a context manager: leaving it (also by an exception
    such as :class:`~.errors.Canceled`) stops the thread.

    Examples
    --------
    >>> with drawn_ahead(global_permutations(5, 3, seed=1)) as blocks:
    ...     drawn = [b for b in blocks]
    >>> bool(np.array_equal(np.vstack(drawn), np.vstack(list(global_permutations(5, 3, seed=1)))))
    True
    """

    _END = object()

    def __init__(self, blocks, ahead=2):
        self._blocks = blocks
        self._queue = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rr-draws", daemon=True)

    def _put(self, item):
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self):
        try:
            for block in self._blocks:
                if not self._put(block):
                    return
            self._put(self._END)
        except BaseException as exc:  # handed to the consumer
            self._put(exc)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    def __iter__(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


def conditional_permutation_ids(n, max_card, permutations, seed):
    """Permuted neighbour ids for conditional randomisation (esda ``crand``).

    Parameters
    ----------
    n : int
        Number of regions.
    max_card : int
        Largest number of neighbours of any region.
    permutations : int
        Number of permutations.
    seed : int or None
        Seed of a local ``np.random.RandomState``.

    Returns
    -------
    (permutations, max_card) int64
        Row ``k`` holds ``max_card`` distinct ids from ``0..n-2``; equal to
        ``esda.crand.vec_permutations(max_card, n, permutations, seed)``.

    Examples
    --------
    >>> ids = conditional_permutation_ids(10, 3, 4, seed=12345)
    >>> ids.shape
    (4, 3)
    >>> bool(((ids >= 0) & (ids < 9)).all())
    True
    """
    rs = np.random.RandomState(seed)
    out = np.empty((permutations, max_card), dtype=np.int64)
    if max_card > max(n - 1, 0):
        raise ValueError(f"cannot draw {max_card} distinct neighbours among {n - 1} regions")
    for k in range(permutations):
        out[k] = rs.permutation(n - 1)[:max_card]
    return out


def folded_p_value(larger, permutations):
    """Pseudo p-value of a permutation test, folded as in esda.

    ``larger`` counts the simulated values ``>=`` the observed one; when fewer
    are smaller than larger the count is replaced by ``permutations - larger``,
    and ``p = (larger + 1) / (permutations + 1)`` (Hope 1968). This is a
    one-sided p-value in the direction of the observed statistic.

    Parameters
    ----------
    larger : int or array of int
    permutations : int

    Returns
    -------
    float or array of float

    Examples
    --------
    >>> folded_p_value(np.array([0, 10, 990, 999]), 999)
    array([0.001, 0.011, 0.01 , 0.001])
    """
    larger = np.array(larger, dtype=np.int64, copy=True)
    low = (permutations - larger) < larger
    larger[low] = permutations - larger[low]
    return (larger + 1.0) / (permutations + 1.0)

