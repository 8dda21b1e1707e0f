"""The apps' layers hold (.importlinter): loop 2 reads loop 1, both read the kernel, never the other way."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--config", str(config), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_layers_hold():
    result = lint(ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_check_fails_when_a_layer_is_crossed(tmp_path):
    """The negative control: with the kernel put above brokerage, brokerage's imports of it break the contract."""
    config = tmp_path / "upside-down.ini"
    config.write_text(
        "[importlinter]\nroot_packages =\n    breakthrough\n    brokerage\n\n"
        "[importlinter:contract:upside-down]\nname = upside down\ntype = layers\n"
        "layers =\n    breakthrough\n    brokerage\n"
    )
    result = lint(config)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "brokerage" in result.stdout
