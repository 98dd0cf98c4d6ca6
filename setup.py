"""Build of the one C extension: the compiled rule matcher's hot path.

Everything else is in pyproject.toml. The extension is optional at run time: without it
(or with EVENTYARD_PURE_PYTHON=1) the matcher runs its pure-Python walk, which gives
the same answers, slower. So it is optional at build time too: without a C compiler or
Python's headers the install goes on with a warning, and without the extension.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "eventyard.core.patterns._native",
            sources=["src/eventyard/core/patterns/_native.c"],
            optional=True,
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter",
                                "-Wno-missing-field-initializers"],
        ),
    ],
)
