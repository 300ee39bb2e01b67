"""The command line's errors (cli/_errors.py): one line, the user's path, what, what to do.

Each mistake the commands used to word differently (a missing file, an
unwritable output, an empty corpus, bytes that are not UTF-8, a hint naming a
Python argument) is run here as a user runs it: the exact line on standard
error, the exit status, no traceback, and no output file left behind (an
existing one untouched).
"""

import os
import subprocess
import sys

import pytest

from test_cli import DOCS, run

MISSING = "no such file or directory, check the path"
BAD_UTF8 = ("line 2: not valid utf-8 text (invalid start byte at byte 4 of the line), pass its "
            "--encoding, or --unicode-errors replace to read it anyway")
EMPTY = "the corpus is empty (no documents), give a text file with one document per line"
UNWRITABLE = ("cannot write the output (no such file or directory), write it to a directory "
              "where you can create files")


@pytest.fixture
def files(tmp_path, vectors_file):
    """The inputs of the mistakes, in a directory of their own (the current one)."""
    (tmp_path / "corpus.txt").write_text("\n".join(DOCS) + "\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "stop.txt").write_text("the and of\nto a in\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"good line\nbad \xff byte\n")
    (tmp_path / "badvec.txt").write_bytes(b"2 3\nab\xff 1 2 3\ncd 1 2 3\n")
    os.replace(vectors_file[0], tmp_path / "vec.txt")
    return tmp_path


def run_in(directory, *args):
    """``sparsedense *args`` run from ``directory`` (so that messages show relative paths)."""
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        return run(*args, check=False)
    finally:
        os.chdir(cwd)


def assert_error(proc, line, status=2):
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [line], proc.stderr
    assert proc.returncode == status


#: (command line, the error line); OUT is where the command would write
MISTAKES = [
    (["embed", "nosuch.txt", "--vectors", "vec.txt", "-o", "OUT.npy"],
     f"sparsedense embed: error: nosuch.txt: {MISSING}"),
    (["embed", "corpus.txt", "--vectors", "nosuch.vec", "-o", "OUT.npy"],
     f"sparsedense embed: error: nosuch.vec: {MISSING}"),
    (["neighbors", "--vectors", "nosuch.vec", "deposit"],
     f"sparsedense neighbors: error: nosuch.vec: {MISSING}"),
    (["vectors", "info", "nosuch.vec"], f"sparsedense vectors: error: nosuch.vec: {MISSING}"),
    (["vectors", "convert", "nosuch.vec", "OUT.npz"],
     f"sparsedense vectors: error: nosuch.vec: {MISSING}"),
    (["vectors", "evaluate", "vec.txt", "--pairs", "nosuch.tsv"],
     f"sparsedense vectors: error: nosuch.tsv: {MISSING}"),
    (["train", "nosuch.txt", "-o", "OUT.txt"], f"sparsedense train: error: nosuch.txt: {MISSING}"),
    (["vectorize", "nosuch.txt", "-o", "OUT.npz"],
     f"sparsedense vectorize: error: nosuch.txt: {MISSING}"),
    (["vectorize", "empty.txt", "-o", "OUT.npz"], f"sparsedense vectorize: error: empty.txt: {EMPTY}"),
    (["embed", "empty.txt", "--vectors", "vec.txt", "-o", "OUT.npy"],
     f"sparsedense embed: error: empty.txt: {EMPTY}"),
    (["embed", "empty.txt", "--lsa", "2", "-o", "OUT.npy"],
     f"sparsedense embed: error: empty.txt: {EMPTY}"),
    (["vectorize", "bad.txt", "-o", "OUT.npz"], f"sparsedense vectorize: error: bad.txt: {BAD_UTF8}"),
    (["embed", "bad.txt", "--vectors", "vec.txt", "-o", "OUT.npy"],
     f"sparsedense embed: error: bad.txt: {BAD_UTF8}"),
    (["embed", "bad.txt", "--lsa", "2", "-o", "OUT.npy"],
     f"sparsedense embed: error: bad.txt: {BAD_UTF8}"),
    (["train", "bad.txt", "--min-count", "1", "-o", "OUT.txt"],
     "sparsedense train: error: bad.txt: line 2: not valid utf-8 text (invalid start byte at "
     "byte 4 of the line), train reads UTF-8: convert the file first (e.g. iconv -f latin1 "
     "-t utf-8)"),
    (["vectors", "info", "badvec.txt"],
     "sparsedense vectors: error: badvec.txt: line 2: the word b'ab\\xff' is not valid utf-8 "
     "(invalid start byte), pass --unicode-errors replace (or ignore) to load it anyway"),
    (["neighbors", "--vectors", "badvec.txt", "cd"],
     "sparsedense neighbors: error: badvec.txt: line 2: the word b'ab\\xff' is not valid utf-8 "
     "(invalid start byte), pass --unicode-errors replace (or ignore) to load it anyway"),
    (["embed", "corpus.txt", "--vectors", "badvec.txt", "-o", "OUT.npy"],
     "sparsedense embed: error: badvec.txt: line 2: the word b'ab\\xff' is not valid utf-8 "
     "(invalid start byte), pass --unicode-errors replace (or ignore) to load it anyway"),
    (["neighbors", "--vectors", "vec.txt", "depositt"],
     "sparsedense neighbors: error: vec.txt: Key 'depositt' not present in vocabulary; did you "
     "mean 'deposit'?"),
    (["neighbors", "--vectors", "vec.txt", "--analogy", "bank", "deposit", "rainn"],
     "sparsedense neighbors: error: vec.txt: Key 'rainn' not present in vocabulary; did you "
     "mean 'rain'?"),
    (["vectorize", "corpus.txt", "--max-df", "0.0001", "-o", "OUT.npz"],
     "sparsedense vectorize: error: corpus.txt: --max-df 0.0001 keeps fewer documents than "
     "--min-df 1 needs, raise --max-df or lower --min-df"),
    (["vectorize", "stop.txt", "--stop-words", "english", "-o", "OUT.npz"],
     "sparsedense vectorize: error: stop.txt: no word to count in any document (empty "
     "vocabulary), check --stop-words, --min-df and --max-df"),
    (["neighbors", "--vectors", "vec.txt", "--vectors-format", "glove", "bank"],
     "sparsedense neighbors: error: vec.txt: line 2: expected 1 values after the word 'bank', "
     "found 8 (line 1 looks like a word2vec header 'N D': use --vectors-format word2vec)"),
    (["vectors", "convert", "vec.txt", "OUT.npz", "--from", "glove"],
     "sparsedense vectors: error: vec.txt: line 2: expected 1 values after the word 'bank', "
     "found 8 (line 1 looks like a word2vec header 'N D': use --from word2vec)"),
    (["embed", "corpus.txt", "--vectors", "vec.txt", "--encoding", "nosuch", "-o", "OUT.npy"],
     "sparsedense embed: error: --encoding nosuch: unknown encoding, give one Python knows "
     "(utf-8, latin-1, cp1252, euc-kr, ...)"),
]


@pytest.mark.parametrize("args, line", MISTAKES, ids=[" ".join(a[:2]) + " " + line.split(": ")[3]
                                                      for a, line in MISTAKES])
@pytest.mark.parametrize("existing", [False, True], ids=["no output", "existing output"])
def test_a_mistake_is_one_line_and_leaves_the_output_as_it_was(files, args, line, existing):
    before = sorted(p.name for p in files.iterdir())
    outputs = [a for a in args if a.startswith("OUT.")]
    if existing:
        if not outputs:
            pytest.skip("writes no file")
        (files / outputs[0]).write_bytes(b"previous")
        before = sorted(p.name for p in files.iterdir())
    assert_error(run_in(files, *args), line)
    assert sorted(p.name for p in files.iterdir()) == before
    if existing:
        assert (files / outputs[0]).read_bytes() == b"previous"


@pytest.mark.skipif(not os.path.isdir("/proc") or sys.platform != "linux",
                    reason="needs a directory where no file can be created (Linux's /proc)")
@pytest.mark.parametrize("args, out", [
    (["embed", "corpus.txt", "--vectors", "vec.txt", "-o"], "/proc/E.npy"),
    (["embed", "corpus.txt", "--lsa", "2", "-o"], "/proc/E.npz"),
    (["vectorize", "corpus.txt", "-o"], "/proc/E.npz"),
    (["vectors", "convert", "vec.txt"], "/proc/E.npz"),
    (["train", "corpus.txt", "--min-count", "1", "--epochs", "1", "-o"], "/proc/E.txt"),
])
def test_an_unwritable_output_is_named_not_our_temporary_file(files, args, out):
    command = args[0]
    assert_error(run_in(files, *args, out), f"sparsedense {command}: error: {out}: {UNWRITABLE}")


def test_stdin_that_is_not_utf8_is_named_stdin(files):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sparsedense", "embed", "-", "--vectors",
                           str(files / "vec.txt"), "-o", str(files / "OUT.npy")],
                          input=b"good line\nbad \xff byte\n", capture_output=True, env=env,
                          timeout=600)
    proc.stderr = proc.stderr.decode("utf-8")
    assert_error(proc, f"sparsedense embed: error: <stdin>: {BAD_UTF8}")
    assert not (files / "OUT.npy").exists()


def test_unicode_errors_replace_reads_the_corpus_and_the_vector_file(files):
    proc = run_in(files, "embed", "bad.txt", "--vectors", "badvec.txt", "--unicode-errors",
                  "replace", "-o", "OUT.npy")
    assert proc.returncode == 0, proc.stderr
    assert "2 documents embedded" in proc.stdout


@pytest.mark.parametrize("args, option", [
    (["embed", "corpus.txt", "--vectors", "vec.txt", "-o", "OUT.npy"], "--vectors-format"),
    (["neighbors", "--vectors", "vec.txt", "bank"], "--vectors-format"),
    (["vectors", "evaluate", "vec.txt", "--pairs", "corpus.txt"], "--vectors-format"),
    (["vectors", "convert", "vec.txt", "OUT.npz"], "--from"),
])
def test_an_unknown_vector_format_names_the_option(files, args, option):
    # the formats themselves are load_vectors' (the command line passes the name through)
    proc = run_in(files, *args, option, "nosuch")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"sparsedense {args[0]}: error: {option} nosuch: must be one of ")
    assert line.endswith("; got 'nosuch'") and "'word2vec'" in line
    assert not (files / "OUT.npz").exists() and not (files / "OUT.npy").exists()


def test_a_full_disk_is_exit_status_1():
    from sparsedense._base.files import NoSpaceError
    from sparsedense.cli._errors import describe

    assert describe(NoSpaceError(28, "docs.npy: no space left on device")) == (
        "docs.npy: no space left on device", 1)
