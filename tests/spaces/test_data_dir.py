from pathlib import Path

import platformdirs
import pooch
import pytest
import requests

from core.spaces import data_dir as data_dir_module
from core.spaces.data_dir import ENAS6_SHA256, fetch_enas6, resolve_data_dir, sha256_of
from core.errors import OpEmbedError


def test_resolve_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("OPEMBED_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"  # argument first
    assert resolve_data_dir(str(tmp_path / "arg")) == tmp_path / "arg"
    assert resolve_data_dir(None) == tmp_path / "env"  # then the environment
    monkeypatch.delenv("OPEMBED_DATA_DIR")
    assert resolve_data_dir(None) == Path(platformdirs.user_cache_dir("opembed"))  # then the cache
    monkeypatch.setenv("OPEMBED_DATA_DIR", "")
    assert resolve_data_dir(None) == Path(platformdirs.user_cache_dir("opembed"))


def test_sha256_of(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert sha256_of(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_fetch_skips_download_when_file_is_right(tmp_path, monkeypatch):
    path = tmp_path / "final_structures6.txt"
    path.write_bytes(b"stand-in")
    monkeypatch.setattr(data_dir_module, "ENAS6_SHA256", sha256_of(path))

    def no_download(*args, **kwargs):
        raise AssertionError("downloaded although the file was there")

    monkeypatch.setattr(pooch, "retrieve", no_download)
    assert fetch_enas6(tmp_path) == path


def test_fetch_downloads_with_checksum(tmp_path, monkeypatch):
    calls = {}

    def fake_retrieve(url, known_hash, fname, path, progressbar=False):
        calls.update(url=url, known_hash=known_hash, fname=fname, path=path)
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    assert fetch_enas6(tmp_path) == tmp_path / "final_structures6.txt"
    assert calls["known_hash"] == f"sha256:{ENAS6_SHA256}"
    assert calls["url"].endswith("muhanzhang/D-VAE/master/data/final_structures6.txt")
    assert calls["fname"] == "final_structures6.txt" and Path(calls["path"]) == tmp_path


def test_fetch_network_failure_is_a_clear_error(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise requests.exceptions.ConnectionError("no route to host")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(OpEmbedError, match="could not download"):
        fetch_enas6(tmp_path)


# ---------------------------------------------------------------- bn-asia (asia_200k.txt)
def fake_download(content: bytes, calls: list | None = None):
    """A stand-in for ``core.spaces.data_dir.download`` that writes ``content``."""

    def download(url, directory, file_name):
        if calls is not None:
            calls.append(url)
        path = Path(directory) / file_name
        path.write_bytes(content)
        return path

    return download


def test_fetch_bn_asia_with_a_wrong_checksum_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(data_dir_module, "BN_ASIA_SHA256", "0" * 64)
    monkeypatch.setattr(data_dir_module, "download", fake_download(b"tampered"))
    target = tmp_path / "data"
    with pytest.raises(OpEmbedError, match="checksum is wrong.*nothing was written"):
        data_dir_module.fetch_bn_asia(target)
    assert not target.exists() or not any(target.iterdir())


def test_fetch_bn_asia_without_a_pinned_checksum_writes_nothing_and_names_the_digest(tmp_path, monkeypatch):
    monkeypatch.setattr(data_dir_module, "BN_ASIA_SHA256", None)
    monkeypatch.setattr(data_dir_module, "download", fake_download(b"abc"))
    with pytest.raises(OpEmbedError, match="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"):
        data_dir_module.fetch_bn_asia(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_fetch_bn_asia_keeps_a_file_with_the_pinned_checksum(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(data_dir_module, "BN_ASIA_SHA256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    monkeypatch.setattr(data_dir_module, "download", fake_download(b"abc", calls))
    path = data_dir_module.fetch_bn_asia(tmp_path)
    assert path == tmp_path / "asia_200k.txt" and path.read_bytes() == b"abc"
    assert [p.name for p in tmp_path.iterdir()] == ["asia_200k.txt"]  # no temporary file left
    assert calls == ["https://raw.githubusercontent.com/muhanzhang/D-VAE/master/data/asia_200k.txt"]
    data_dir_module.fetch_bn_asia(tmp_path)  # already there and right: no second download
    assert len(calls) == 1


def test_fetch_bn_asia_network_failure_is_a_clear_error(tmp_path, monkeypatch):
    def offline(url, directory, file_name):
        raise requests.exceptions.ConnectionError("no route to host")

    monkeypatch.setattr(data_dir_module, "download", offline)
    with pytest.raises(OpEmbedError, match="could not download .*asia_200k.txt"):
        data_dir_module.fetch_bn_asia(tmp_path)
    assert list(tmp_path.iterdir()) == []
