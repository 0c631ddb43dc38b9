"""Progress display: a tqdm bar when tqdm is installed, plain lines otherwise."""

import sys


def progress(iterable, total=None, desc="", enabled=True):
    """Wrap ``iterable`` in a progress display.

    Parameters
    ----------
    iterable : iterable
    total : int, optional
        Length, when ``iterable`` has none.
    desc : str
        Label.
    enabled : bool
        False returns ``iterable`` unchanged.
    """
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _plain(iterable, total if total is not None else _len(iterable), desc)
    return tqdm(iterable, total=total, desc=desc, leave=False)


def _len(iterable):
    try:
        return len(iterable)
    except TypeError:
        return None


def _plain(iterable, total, desc):
    for i, item in enumerate(iterable, 1):
        yield item
        count = f"{i}/{total}" if total else str(i)
        end = "\r" if sys.stdout.isatty() and i != total else "\n"
        print(f"{desc} {count}", end=end, flush=True)
