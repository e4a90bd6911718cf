"""Where data files live, and fetching the ENAS dataset into that place with a checksum.

The data directory is, in order of precedence: the ``data_dir`` argument (the CLI's
``--data-dir``), the ``OPEMBED_DATA_DIR`` environment variable, then a per-user cache
directory (``platformdirs.user_cache_dir("opembed")``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs
import pooch

from core.errors import OpEmbedError

DATA_DIR_ENV = "OPEMBED_DATA_DIR"

ENAS6_URL = "https://raw.githubusercontent.com/muhanzhang/D-VAE/master/data/final_structures6.txt"
ENAS6_FILE = "final_structures6.txt"
ENAS6_SHA256 = "fea9a7dde1545e7d3bd58fd4b9c3db08a89c18e0351f770cde2fe530c4791725"


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data directory to read from (it need not exist yet).

    Args:
        data_dir: An explicit directory. Default ``None``: use ``$OPEMBED_DATA_DIR`` when it
            is set and not empty, else the per-user cache directory.

    Returns:
        The directory, with ``~`` expanded.

    Example:
        >>> resolve_data_dir("/tmp/opembed-data")
        PosixPath('/tmp/opembed-data')
    """
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV, "")
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_cache_dir("opembed"))


def sha256_of(path: str | Path) -> str:
    """The hex SHA-256 digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_enas6(data_dir: str | Path | None = None) -> Path:
    """Download D-VAE's ENAS 6-layer dataset (``final_structures6.txt``) into the data
    directory, checking its SHA-256. Nothing is downloaded when the file is already there
    with the right checksum.

    Args:
        data_dir: Where to put the file; resolved with :func:`resolve_data_dir`.

    Returns:
        The path of the verified file.

    Raises:
        OpEmbedError: The download failed or the downloaded file has the wrong checksum.

    Example:
        >>> path = fetch_enas6()  # doctest: +SKIP
    """
    directory = resolve_data_dir(data_dir)
    target = directory / ENAS6_FILE
    if target.is_file() and sha256_of(target) == ENAS6_SHA256:
        return target
    try:
        fetched = pooch.retrieve(
            ENAS6_URL,
            known_hash=f"sha256:{ENAS6_SHA256}",
            fname=ENAS6_FILE,
            path=directory,
            progressbar=True,  # drawn with tqdm, a requirement
        )
    except ValueError as error:  # pooch's checksum mismatch
        raise OpEmbedError(
            f"downloaded {ENAS6_URL} but its checksum is wrong ({error}); "
            "the file on the server may have changed"
        ) from error
    except Exception as error:  # network failures: requests' errors, OSError ...
        raise OpEmbedError(
            f"could not download {ENAS6_URL} into {directory}: {type(error).__name__}: {error}\n"
            f"  fix: check the network connection, or download the file by hand into {directory} "
            f"(or pass --data-dir / set {DATA_DIR_ENV})"
        ) from error
    return Path(fetched)
