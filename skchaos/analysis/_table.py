"""Lists of records that print as tables and convert to DataFrames."""


class RecordTable(list):
    """A list of records (objects with ``as_record()``, a flat dict) that prints as a
    table; :meth:`to_frame` gives a pandas DataFrame when pandas is installed."""

    _noun = "records"

    def to_frame(self):
        """The records as a :class:`pandas.DataFrame`, one row each (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as error:
            raise ImportError("to_frame needs pandas: pip install pandas.") from error
        return pd.DataFrame([item.as_record() for item in self])

    def __str__(self):
        if not self:
            return f"(no {self._noun})"
        rows = [item.as_record() for item in self]
        columns = list(rows[0])
        cells = [[_cell(row[c]) for c in columns] for row in rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
        lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        return "\n".join(lines)

    def __repr__(self):
        return f"{type(self).__name__}({len(self)} {self._noun})\n{self}"


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
