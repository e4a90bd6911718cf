"""Where data files live, and fetching D-VAE's datasets (ENAS, asia BNs) into that place with a checksum.

The data directory is, in order of precedence: the ``data_dir`` argument (the CLI's
``--data-dir``), the ``OPEMBED_DATA_DIR`` environment variable, then a per-user cache
directory (``platformdirs.user_cache_dir("opembed")``).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import platformdirs
import pooch

from core.errors import OpEmbedError

DATA_DIR_ENV = "OPEMBED_DATA_DIR"

ENAS6_URL = "https://raw.githubusercontent.com/muhanzhang/D-VAE/master/data/final_structures6.txt"
ENAS6_FILE = "final_structures6.txt"
ENAS6_SHA256 = "fea9a7dde1545e7d3bd58fd4b9c3db08a89c18e0351f770cde2fe530c4791725"

BN_ASIA_URL = "https://raw.githubusercontent.com/muhanzhang/D-VAE/master/data/asia_200k.txt"
BN_ASIA_FILE = "asia_200k.txt"
# Not pinned: it was written on a machine that could not reach GitHub. Until it is set, a
# download is refused (nothing written) and the message gives the file's digest to pin here;
# from then on every download must match it.
BN_ASIA_SHA256: str | None = None


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


def download(url: str, directory: Path, file_name: str) -> Path:
    """Download ``url`` to ``directory / file_name`` with a progress bar and no checksum (the
    caller checks it). Tests replace this function."""
    return Path(pooch.retrieve(url, known_hash=None, fname=file_name, path=directory, progressbar=True))


def fetch_bn_asia(data_dir: str | Path | None = None) -> Path:
    """Download D-VAE's Bayesian-network dataset (``asia_200k.txt``) into the data directory,
    checking its SHA-256 against ``BN_ASIA_SHA256``. The file is downloaded into a scratch
    folder and moved into the data directory only when its checksum matches: a wrong (or
    not yet pinned) checksum writes nothing there. Nothing is downloaded when the file is
    already there with the right checksum.

    Args:
        data_dir: Where to put the file; resolved with :func:`resolve_data_dir`.

    Returns:
        The path of the verified file.

    Raises:
        OpEmbedError: the download failed, its checksum is wrong, or no checksum is pinned
            yet (the message gives the downloaded file's digest).

    Example:
        >>> path = fetch_bn_asia()  # doctest: +SKIP
    """
    directory = resolve_data_dir(data_dir)
    target = directory / BN_ASIA_FILE
    if BN_ASIA_SHA256 and target.is_file() and sha256_of(target) == BN_ASIA_SHA256:
        return target
    with tempfile.TemporaryDirectory(prefix="opembed-fetch-") as scratch:
        try:
            fetched = download(BN_ASIA_URL, Path(scratch), BN_ASIA_FILE)
        except Exception as error:  # network failures: requests' errors, OSError ...
            raise OpEmbedError(
                f"could not download {BN_ASIA_URL}: {type(error).__name__}: {error}\n"
                f"  fix: check the network connection, or download the file by hand into {directory} "
                f"(or pass --data-dir / set {DATA_DIR_ENV})"
            ) from error
        digest = sha256_of(fetched)
        if BN_ASIA_SHA256 is None:
            raise OpEmbedError(
                f"downloaded {BN_ASIA_URL} (sha256 {digest}), but no checksum is pinned for it yet, so nothing was written\n"
                f"  fix: check the file, set BN_ASIA_SHA256 = \"{digest}\" in core/spaces/data_dir.py and fetch again"
            )
        if digest != BN_ASIA_SHA256:
            raise OpEmbedError(
                f"downloaded {BN_ASIA_URL} but its checksum is wrong (sha256 {digest}, expected {BN_ASIA_SHA256}); "
                "nothing was written: the file on the server may have changed"
            )
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".{BN_ASIA_FILE}.{secrets.token_hex(4)}.tmp"
        try:
            shutil.copyfile(fetched, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target


# ``python -m core fetch NAME``: what each dataset name downloads
FETCHERS: dict[str, Callable[[str | Path | None], Path]] = {"enas6": fetch_enas6, "bn-asia": fetch_bn_asia}
