"""The demo's parts without a JupyterLab: tutorial reruns, the lab command line, the CLI's help and version."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from apex_notebook.cli import build_parser, main
from apex_notebook.demo import copy_tutorials, user_lines
from apex_notebook.demo_lab import JupyterLab, new_token, port_taken
from apex_notebook.demo_tutorials import MANIFEST, sync_tutorials, tutorials_source
from apex_notebook.simulator.catalog import build_catalog


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    source = tmp_path / "upstream"
    source.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb", "03_c.ipynb"):
        (source / name).write_text(json.dumps({"cells": [name]}))
    return source


def test_first_run_copies_every_tutorial(tmp_path: Path) -> None:
    copies = copy_tutorials(tmp_path / "demo")
    sources = sorted(tutorials_source().glob("*.ipynb"))
    assert [c.name for c in copies] == [s.name for s in sources] and len(copies) >= 4


def test_reruns_say_what_was_kept_updated_and_newer_upstream(tmp_path: Path, upstream: Path) -> None:
    demo = tmp_path / "demo"
    first = sync_tutorials(demo, upstream)
    assert first.copied == ["01_a.ipynb", "02_b.ipynb", "03_c.ipynb"] and (demo / MANIFEST).exists()
    (demo / "01_a.ipynb").write_text("edited by the user")
    (upstream / "01_a.ipynb").write_text(json.dumps({"cells": ["new a"]}))
    (upstream / "02_b.ipynb").write_text(json.dumps({"cells": ["new b"]}))
    again = sync_tutorials(demo, upstream)
    assert again.copied == [] and again.kept == ["03_c.ipynb"]
    assert again.updated == ["02_b.ipynb"]  # never edited: the newer version replaced it
    assert again.newer_upstream == ["01_a.ipynb"] and (demo / "01_a.ipynb").read_text() == "edited by the user"
    text = "\n".join(again.lines())
    assert "kept your copy of 01_a.ipynb" in text and str(upstream / "01_a.ipynb") in text
    assert "kept (same as upstream): 03_c.ipynb" in text and "copied" not in text


def test_a_copy_of_unknown_origin_is_never_overwritten(tmp_path: Path, upstream: Path) -> None:
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "01_a.ipynb").write_text("made before the manifest existed")
    report = sync_tutorials(demo, upstream)
    assert report.newer_upstream == ["01_a.ipynb"] and report.copied == ["02_b.ipynb", "03_c.ipynb"]
    assert (demo / "01_a.ipynb").read_text() == "made before the manifest existed"
    shutil.rmtree(demo)


def test_lab_command_is_loopback_exact_port_private_settings_and_no_secret(tmp_path: Path) -> None:
    token = new_token()
    lab = JupyterLab(tmp_path, 8899, token=token, open_browser=False, log_path=tmp_path / "log")
    command = lab.command()
    assert "--ip=127.0.0.1" in command and "--port=8899" in command and "--no-browser" in command
    assert "--ServerApp.port_retries=0" in command and "--LabApp.news_url=None" in command
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert not any(token in part for part in command)  # the token travels in the environment
    assert lab.environment({})["JUPYTER_TOKEN"] == token and lab.url.endswith(f"/lab?token={token}")
    lab.stop()
    assert not lab.state.exists()


def test_port_taken() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert port_taken("127.0.0.1", sock.getsockname()[1])
    assert not port_taken("127.0.0.1", 0)


def test_every_demo_user_has_a_line() -> None:
    lines = user_lines(build_catalog(12).users.values())
    assert [line.split()[0] for line in lines] == ["ops", "trader", "trader2", "viewer", "secure"]
    assert "2FA code 123456" in lines[-1] and "may act on any account" in lines[0]


def test_help_is_plain_with_defaults_and_there_is_a_version(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    texts = [parser.format_help()]
    for name in ("simulate", "demo"):
        with pytest.raises(SystemExit):
            main([name, "--help"])
        texts.append(capsys.readouterr().out)
    for text in texts:
        assert "``" not in text and "`" not in text
    assert "(default: 8888)" in texts[2] and "(default: 8123)" in texts[2] and "(default: 7)" in texts[1]
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("apex-notebook 0.")
