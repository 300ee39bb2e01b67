"""The exception classes of sparsedense, each also the type a peer raises for the same mistake.

Every class subclasses the builtin type DESIGN.md assigns to its kind of
mistake (TypeError, ValueError, IndexError, OSError) and the type scikit-learn,
gensim or torch raises for it, so code written against either keeps working.
:func:`sklearn_twin` makes ``NotFittedError`` and ``InvalidParameterError``
instances of scikit-learn's classes too when scikit-learn is imported.
"""

from __future__ import annotations

import importlib
import sys


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter has a bad type or value.

    Subclasses both ``ValueError`` and ``TypeError``, like scikit-learn's
    exception of the same name, so code written against either keeps working.
    """


class NoSamplesError(ValueError):
    """An estimator was given no samples (documents): the ValueError scikit-learn raises."""


class TruncatedFileError(ValueError, EOFError):
    """A file ends before what its header or its last record promises.

    Subclasses both ``ValueError`` (a damaged file is a bad value) and
    ``EOFError`` (what gensim raises for the same file), so code written
    against either keeps working.
    """


class FileDecodeError(UnicodeDecodeError):
    """Bytes of a file are not valid in its encoding; the message names the file and place.

    A ``UnicodeDecodeError`` (hence a ``ValueError``), as gensim raises for the
    same file, whose ``str()`` is the loader's message instead of the codec's.
    """

    def __init__(self, message: str, encoding: str, obj: bytes, start: int, end: int,
                 reason: str) -> None:
        super().__init__(encoding, obj, start, end, reason)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (type(self), (self.message, self.encoding, self.object, self.start, self.end,
                             self.reason))


class NotTrainableError(ValueError, RuntimeError):
    """A trainer has nothing to train: no vocabulary yet, an empty one, or tables not its own.

    Subclasses ``ValueError`` (our type for a bad value) and ``RuntimeError``
    (what gensim raises for training before a vocabulary is built, and for a
    corpus in which no word reaches ``min_count``).
    """


class UnsupportedOptionError(ValueError, NotImplementedError):
    """A gensim option value this library does not implement (``hs=1``, ``word_ngrams=2``, ...).

    Subclasses ``ValueError`` (a value we refuse) and ``NotImplementedError``
    (what gensim raises for the options it does not implement itself).
    """


class CorpusFileNotFoundError(FileNotFoundError, TypeError):
    """A trainer's ``corpus_file`` is missing or not a file.

    Subclasses ``FileNotFoundError`` and ``TypeError`` (gensim's type for the same mistake).
    """


class NotFittedError(ValueError, AttributeError):
    """Raised when a method needs a fitted estimator (like scikit-learn's).

    When scikit-learn is imported, what is raised is also an instance of
    ``sklearn.exceptions.NotFittedError`` (see :func:`sklearn_twin`), so code
    that catches scikit-learn's class catches ours.
    """

    def __new__(cls, *args, **kwargs):
        if cls is NotFittedError:
            cls = sklearn_twin(cls)
        return super().__new__(cls, *args, **kwargs)


class DocumentTypeError(TypeError, AttributeError):
    """A document is not text: a TypeError, and the AttributeError scikit-learn raises.

    scikit-learn fails on such a document inside its preprocessing
    (``'int' object has no attribute 'lower'``); we say which document it is.
    """


class DTypeError(TypeError, ValueError):
    """An array holds values that are not numbers: a TypeError, and scikit-learn's ValueError."""


#: our exception -> (scikit-learn module, class) whose instance it must also be
_SKLEARN_CLASSES = {
    "NotFittedError": ("sklearn.exceptions", "NotFittedError"),
    "InvalidParameterError": ("sklearn.utils._param_validation", "InvalidParameterError"),
}
_twins: dict[str, type] = {}


def _ours(name: str) -> type:
    return NotFittedError if name == "NotFittedError" else InvalidParameterError


def sklearn_twin(ours: type) -> type:
    """``ours``, or a subclass of it and of scikit-learn's class of the same name.

    The subclass when scikit-learn's module is already imported (it is never
    imported for this), so that ``except sklearn.exceptions.NotFittedError``
    catches ours. It shows as ``ours`` in tracebacks and pickles by name.
    """
    module, attr = _SKLEARN_CLASSES[ours.__name__]
    if module not in sys.modules:
        return ours
    twin = _twins.get(ours.__name__)
    if twin is None:
        theirs = getattr(importlib.import_module(module), attr)
        twin = type(ours.__name__, (ours, theirs), {
            "__module__": ours.__module__, "__qualname__": ours.__qualname__,
            "__doc__": ours.__doc__, "__reduce__": _reduce_twin})
        _twins[ours.__name__] = twin
    return twin


def _reduce_twin(exc):
    return _rebuild, (type(exc).__name__, exc.args)


def _rebuild(name: str, args: tuple) -> Exception:
    """Unpickle a twin: scikit-learn's too if it is imported where it is unpickled."""
    return sklearn_twin(_ours(name))(*args)
