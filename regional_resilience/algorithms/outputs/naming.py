"""The one field-naming rule, written and read back.

Every tool writes its per-period results as ``<prefix>_<period>`` (e.g.
``lisa_cl_2000``, ``cc_d_2013``, ``idx_economic_2013``), and every tool
reads them back by the same rule, so that one tool's output layer is the
next tool's input in a model without picking fields by hand:

- a *stem* ``cc_d`` picks ``cc_d_2013``, ``cc_d_2014``, ... (one variable,
  its periods from the names), and also a stem directly followed by a
  4-digit year (``PCGDP`` picks ``PCGDP1940 ... PCGDP2000``); a one-period
  output named ``cc_d`` itself;
- a stem with a star, ``idx_*``, picks every ``idx_<variable>_<period>``
  (one variable per middle part: ``idx_economic_2013`` is the variable
  ``economic`` in 2013; ``idx_2013`` has no middle part and is not taken);
- fields picked by hand read their periods from a trailing 4-digit year
  (``PCGDP1940``, ``gdp_2013``).

Periods that tools write start with a digit (years); other labels come
through a long table.
"""
import re

_YEAR = re.compile(r"^(.*?)_?(\d{4})$")


def safe_name(text):
    """``text`` with every character that is not a letter or digit as ``_``."""
    return "".join(ch if ch.isalnum() else "_" for ch in str(text))


def period_field(prefix, period):
    """Field name for a period: ``<prefix>_<period>`` with safe characters;
    ``<prefix>`` alone for the single unnamed period of a one-year layer.

    >>> period_field("cc_d", 2013), period_field("idx", "")
    ('cc_d_2013', 'idx')
    """
    if str(period) == "":
        return prefix
    return f"{prefix}_{safe_name(period)}"


def split_year(name):
    """``(stem, year)`` of a field named with a trailing 4-digit year, else
    ``(name, None)``.

    >>> split_year("PCGDP1940"), split_year("cc_d_2013"), split_year("CRIME")
    (('PCGDP', '1940'), ('cc_d', '2013'), ('CRIME', None))
    """
    m = _YEAR.match(str(name))
    if not m or not m.group(1):
        return str(name), None
    return m.group(1), m.group(2)


def parse_stems(text):
    """The stems of a comma-separated text, blanks dropped."""
    return [s.strip() for s in str(text or "").replace(";", ",").split(",") if s.strip()]


def fields_for_stem(field_names, stem):
    """``[(variable, period, field)]`` of the fields named by ``stem``.

    >>> names = ["idx_2013", "idx_eco_2013", "idx_eco_2014", "idx_soc_2013", "cc_d_2013"]
    >>> fields_for_stem(names, "idx_*")
    [('eco', '2013', 'idx_eco_2013'), ('eco', '2014', 'idx_eco_2014'), ('soc', '2013', 'idx_soc_2013')]
    >>> fields_for_stem(["idx", "idx_eco", "idx_soc"], "idx_*")
    [('eco', '', 'idx_eco'), ('soc', '', 'idx_soc')]
    >>> fields_for_stem(names, "idx")
    [('idx', '2013', 'idx_2013')]
    >>> fields_for_stem(["PCGDP1940", "PCGDP1950", "PCGDP19501"], "PCGDP")
    [('PCGDP', '1940', 'PCGDP1940'), ('PCGDP', '1950', 'PCGDP1950')]
    """
    stem = stem.strip()
    if stem.endswith("*"):
        base = re.escape(stem[:-1].rstrip("_"))
        pattern = re.compile(rf"^{base}_(.+)_(\d\w*)$", re.IGNORECASE)
        out = []
        for name in field_names:
            m = pattern.match(name)
            if m and not m.group(1)[0].isdigit():
                out.append((m.group(1), m.group(2), name))
        if not out:  # one-period outputs: <base>_<variable> without a period
            single = re.compile(rf"^{base}_(\D\w*)$", re.IGNORECASE)
            out = [(m.group(1), "", name) for name in field_names for m in [single.match(name)] if m]
        return out
    pattern = re.compile(rf"^{re.escape(stem)}(?:_(\d\w*)|(\d{{4}}))$", re.IGNORECASE)
    out = [(stem, m.group(1) or m.group(2), name) for name in field_names for m in [pattern.match(name)] if m]
    if not out:
        out = [(stem, "", name) for name in field_names if name.lower() == stem.lower()]
    return out
