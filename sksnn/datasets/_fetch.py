"""Where data sets live on disk and how missing files are fetched (urllib only).

A file is fetched into a temporary name beside its target, checked, and only then renamed
into place, so an interrupted or corrupt download never leaves a file that looks complete.
"""

import contextlib
import os
import secrets
import shutil
import urllib.error
import urllib.request
from pathlib import Path

DATA_ENV = "SKSNN_DATA"
DEFAULT_HOME = "~/sksnn_data"
# seconds without an answer before a mirror counts as unreachable
TIMEOUT = 60


def get_data_home(data_home=None):
    """The folder holding sksnn's downloadable data sets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. None: the ``SKSNN_DATA`` environment variable if it is set, else
        ``~/sksnn_data``.

    Returns
    -------
    pathlib.Path
        The folder (``~`` expanded). It is not created: a loader creates it only to download.
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV) or DEFAULT_HOME
    return Path(os.path.expanduser(os.fspath(data_home)))


def missing_file_message(path, how):
    """The message of a FileNotFoundError for a data file, saying how to get it."""
    return (
        f"{path} does not exist. {how} Or point data_home (or the {DATA_ENV} environment "
        f"variable) at a folder that holds {Path(path).parent.name}/{Path(path).name}."
    )


def download(name, target, mirrors, check):
    """Fetch ``name`` from the first mirror that serves a valid copy and save it as ``target``.

    Parameters
    ----------
    name : str
        File name appended to each mirror's base address.
    target : pathlib.Path
        Where the file ends up; its folder is created if needed.
    mirrors : sequence of str
        Base addresses, tried in order.
    check : callable
        ``check(path, url)`` raises ValueError when the file downloaded from ``url`` into
        ``path`` is not the expected one (its message names ``url``); what it returns is
        returned.

    Returns
    -------
    object
        What ``check`` returned for the file kept.

    Raises
    ------
    ValueError
        A mirror answered but no mirror served a valid file.
    OSError
        No mirror could be reached.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    failures, corrupt = [], False
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        # a fresh name beside the target (created with the user's umask, unlike mkstemp's 0600)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
        try:
            with open(tmp, "xb") as out, urllib.request.urlopen(url, timeout=TIMEOUT) as r:
                shutil.copyfileobj(r, out, length=1 << 20)
            checked = check(tmp, url)
            os.replace(tmp, target)
            return checked
        except ValueError as exc:
            corrupt = True
            failures.append(f"{url}: {exc}")
        except (OSError, urllib.error.URLError) as exc:  # HTTPError is a URLError
            failures.append(f"{url}: {exc}")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    error = ValueError if corrupt else OSError
    raise error(f"Could not download {name} into {target.parent}:\n  " + "\n  ".join(failures))
