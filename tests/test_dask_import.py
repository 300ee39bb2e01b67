"""Dask is optional: without it, sparsedense imports and sparsedense.dask names the extra."""

import subprocess
import sys
import textwrap

HIDE_DASK = textwrap.dedent(
    """
    import sys

    class HideDask:
        def find_spec(self, name, path=None, target=None):
            if name in ("dask", "distributed") or name.startswith(("dask.", "distributed.")):
                raise ImportError(f"No module named {name!r} (hidden by the test)")
            return None

    sys.meta_path.insert(0, HideDask())
    """
)


def run(code):
    return subprocess.run([sys.executable, "-c", HIDE_DASK + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)


def test_sparsedense_imports_without_dask():
    proc = run("""
        import sparsedense as sd
        X = sd.TfidfVectorizer().fit_transform(["deposit savings", "rain snow"])
        assert X.shape == (2, 4)
        assert "dask" not in sys.modules
        print("OK")
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "OK"


def test_sparsedense_dask_says_which_extra_to_install():
    proc = run("""
        try:
            import sparsedense.dask
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("imported without dask")
    """)
    assert proc.returncode == 0, proc.stderr
    message = proc.stdout.strip()
    assert "pip install 'sparsedense[dask]'" in message, message
    assert "'dask' extra" in message
