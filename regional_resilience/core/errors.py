"""Domain errors raised by the numerical core.

The core never knows about QGIS. It raises these exceptions with a sentence a
GIS analyst can act on (naming the field, region or period); the Processing
adapters turn them into ``QgsProcessingException``.
"""

__all__ = ["RRDataError", "InputDataError", "WeightsError"]


class RRDataError(ValueError):
    """Base class: the input data cannot be analysed as given.

    ``RRDataError(text)`` carries an English sentence. Errors raised with a
    ``code`` also carry their ``template`` and ``params`` (ids, periods,
    counts) so that the algorithm layer can translate the template and fill
    it: ``InputDataError.coded("missing_values", "Missing values for {where}.",
    where="r1 (2000)")``.
    """

    def __init__(self, message="", *, code=None, template=None, params=None):
        super().__init__(message)
        self.code = code
        self.template = template
        self.params = dict(params or {})

    @classmethod
    def coded(cls, code, template, **params):
        """An error with a machine-readable ``code`` and an English
        ``template`` filled with ``params``.

        >>> err = InputDataError.coded("too_few", "{n} regions; at least {k} needed.", n=2, k=3)
        >>> str(err), err.code, err.params["n"]
        ('2 regions; at least 3 needed.', 'too_few', 2)
        """
        return cls(template.format(**params), code=code, template=template, params=params)


class InputDataError(RRDataError):
    """Values, ids or periods are missing, duplicated, constant or non-numeric."""


class WeightsError(RRDataError):
    """Spatial weights cannot be built or read, or do not fit the data."""


class Canceled(Exception):
    """The user canceled the run (raised when ``is_canceled()`` returns True)."""


__all__ += ["Canceled", "check_choice", "check_labels"]


def check_choice(value, choices, what):
    """``value`` in lower case if it is one of ``choices``, else an
    :class:`InputDataError` listing them.

    >>> check_choice("Pooled", ("pooled", "period"), "class scheme")
    'pooled'
    """
    key = str(value).lower()
    if key not in choices:
        raise InputDataError(
            f"Unknown {what} {value!r}; use one of {', '.join(map(repr, choices))}."
        )
    return key


def check_labels(values, length, what, kind):
    """``values`` as a list of text, one per ``kind`` (``None`` stays None),
    or an :class:`InputDataError` when the count is wrong.

    >>> check_labels([1940, 1950], 2, "period labels", "periods")
    ['1940', '1950']
    """
    if values is None:
        return None
    values = [str(v) for v in values]
    if len(values) != length:
        raise InputDataError(
            f"{len(values)} {what} were given for {length} {kind}; give one per {kind}."
        )
    return values
