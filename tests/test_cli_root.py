from rca import __version__


def test_version(run_cli):
    code, out, _ = run_cli("--version")
    assert code == 0
    assert out.strip() == f"rca {__version__}"


def test_help_lists_commands(run_cli):
    code, out, _ = run_cli("--help")
    assert code == 0
    assert "Usage" in out


def test_missing_file_exit_code_and_one_line_error(run_cli, tmp_path):
    code, out, err = run_cli("parse", str(tmp_path / "nope.log"))
    assert code == 2
    assert "nope.log" in err and "Traceback" not in err


def test_usage_error_is_exit_2_without_traceback(run_cli):
    code, _, err = run_cli("parse", "--no-such-option")
    assert code == 2
    assert "No such option" in err and "Traceback" not in err


def test_console_script_returns_nonzero(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "rca", "parse", str(tmp_path / "missing.log")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") <= 2 and "Traceback" not in proc.stderr
