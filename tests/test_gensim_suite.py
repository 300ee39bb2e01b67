"""gensim 4.4's own Word2Vec and FastText model tests, run against sparsedense's trainers.

An adapter, not a copy: gensim's test classes (``gensim/test/test_word2vec.py``,
``gensim/test/test_fasttext.py``, Copyright (C) 2010 Radim Rehurek, licensed
under the GNU LGPL v2.1) are imported from the installed gensim and run with
their ``word2vec.Word2Vec`` / ``FT_gensim`` names bound to our classes. The
tests of the model API we claim (constructor, build_vocab, train, save/load, wv
queries) run unchanged; ``SKIPPED`` below lists every other test with its
reason: a deliberate difference documented in docs/howto/migrating.rst, or
what is not implemented (hierarchical softmax).
"""

from __future__ import annotations

import sys
import types
import unittest

import pytest

from sparsedense.models import FastText, Word2Vec

try:
    import testfixtures  # noqa: F401  (gensim's tests import it for three logging tests)
except ImportError:  # not a test dependency of ours: those tests are skipped below
    sys.modules["testfixtures"] = types.SimpleNamespace(log_capture=lambda *a, **k: lambda f: f)

gt_w2v = pytest.importorskip("gensim.test.test_word2vec")
gt_ft = pytest.importorskip("gensim.test.test_fasttext")

HS = "hierarchical softmax (hs=1) is not implemented (migrating.rst)"
OLD = "gensim's pickled model files are not read (no pickle: migrating.rst)"
WV_PICKLE = ("ends with gensim's KeyedVectors.load of our wv.save file: gensim's format is a "
             "pickle, which sparsedense neither writes nor reads (migrating.rst)")
VECTORS = "a KeyedVectors method outside the trainer API (the vectors package's tests)"
LOGS = "asserts gensim's logging warnings"
INTERNAL = "gensim's internal vocabulary steps (scan_vocab, prepare_vocab, reset_from)"
SKIPPED: dict[str, str] = {
    # hierarchical softmax: hs=1 (with negative=0) in every one of these
    **{f"Word2VecModel.{t}": HS for t in (
        "test_build_vocab_from_freq", "test_cbow_fixedwindowsize", "test_cbow_hs",
        "test_cbow_hs_fromfile", "test_cbow_hs_online", "test_compute_training_loss",
        "test_cosmul", "test_locking", "test_online_learning", "test_online_learning_from_file",
        "test_prune_vocab", "test_scoring", "test_sg_fixedwindowsize_fromfile", "test_sg_hs",
        "test_sg_hs_fromfile", "test_sg_hs_online", "test_similar_by",
        "test_train_with_explicit_param", "test_training", "test_training_cbow",
        "test_training_from_file", "test_vocab")},
    **{f"FastTextModel.{t}": HS for t in (
        "test_cbow_hs_online", "test_estimate_memory", "test_fast_text_train_parameters",
        "test_online_learning", "test_online_learning_fromfile", "test_sg_hs_online",
        "test_training", "test_training_fromfile")},
    "Word2VecModel.test_predict_output_word": (
        VECTORS + ": wv.save_word2vec_format; and hs=1 (test_models_predict.py has the rest)"),
    **{f"Word2VecModel.{t}": OLD for t in (
        "test_load_old_model", "test_load_old_model_separates", "test_load_old_models_1_x",
        "test_load_old_models_2_x", "test_load_old_models_3_x",
        "test_persistence_backwards_compatible")},
    "Word2VecModel.test_large_mmap": "save(sep_limit=...) and load(mmap=...): gensim's pickle "
                                     "options (our save is one npz file)",
    "Word2VecModel.test_load_on_class_error": "load is a classmethod here; gensim refuses "
                                              "model.load() on an instance (AttributeError)",
    # wv.save(path) read back by gensim's (pickle-based) KeyedVectors.load
    **{f"Word2VecModel.{t}": WV_PICKLE for t in ("test_persistence", "test_persistence_from_file")},
    **{f"FastTextModel.{t}": WV_PICKLE for t in ("test_persistence", "test_persistence_fromfile")},
    "Word2VecModel.test_persistence_word2vec_format_combination_with_standard_persistence": (
        "expects AttributeError from Word2Vec.load of a Vectors file; ours raises a ValueError "
        "naming the file (migrating.rst)"),
    "FastTextModel.test_get_vocab_word_vecs": VECTORS + ": wv.adjust_vectors",
    **{f"Word2VecModel.{t}": INTERNAL for t in (
        "test_max_final_vocab", "test_total_word_count", "test_reset_from")},
    **{f"Word2VecModel.{t}": LOGS for t in (
        "test_build_vocab_warning", "test_train_warning", "test_train_hs_and_neg")},
}


def _shim(module: types.ModuleType, **names) -> types.ModuleType:
    """A module that answers ``names`` and otherwise delegates to ``module``."""
    shim = types.ModuleType(module.__name__)
    shim.__dict__.update(module.__dict__)
    shim.__dict__.update(names)
    return shim


@pytest.fixture(autouse=True)
def _ours(monkeypatch):
    import gensim.models.word2vec as g_word2vec

    monkeypatch.setattr(gt_w2v, "word2vec", _shim(g_word2vec, Word2Vec=Word2Vec))
    monkeypatch.setattr(gt_ft, "FT_gensim", FastText)


#: gensim's tests of gensim.models.fasttext.load_facebook_model (and save_facebook_model),
#: run with ours in their place (only in these: every other test's setUp loads gensim's own
#: model, whose KeyedVectors methods those tests exercise)
FACEBOOK_LOADING = ("test_load_fasttext_format", "test_load_fasttext_new_format",
                    "test_load_model_supervised", "test_load_model_with_non_ascii_vocab",
                    "test_load_model_non_utf8_encoding",
                    "test_online_learning_through_ft_format_saves")


def _with_our_facebook_loader(method):
    def run(self):
        import gensim.models.fasttext as g_fasttext

        from sparsedense.models import load_facebook_model, save_facebook_model

        originals = g_fasttext.load_facebook_model, g_fasttext.save_facebook_model
        g_fasttext.load_facebook_model = load_facebook_model
        g_fasttext.save_facebook_model = save_facebook_model
        try:
            method(self)
        finally:
            g_fasttext.load_facebook_model, g_fasttext.save_facebook_model = originals
    return run


def _adapted(base: type, prefix: str) -> type:
    attrs = {}
    for name in dir(base):
        reason = SKIPPED.get(f"{prefix}.{name}")
        if reason is not None:
            attrs[name] = unittest.skip(reason)(lambda self: None)
        elif prefix == "FastTextModel" and name in FACEBOOK_LOADING:
            attrs[name] = _with_our_facebook_loader(getattr(base, name))
    if prefix == "FastTextModel":  # its setUp loads self.test_model, which many tests query
        attrs["setUp"] = _with_our_facebook_loader(base.setUp)
    return type(f"Test{prefix}", (base,), attrs)


TestWord2VecModel = _adapted(gt_w2v.TestWord2VecModel, "Word2VecModel")
TestFastTextModel = _adapted(gt_ft.TestFastTextModel, "FastTextModel")
