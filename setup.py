"""The compiled parts of newswire, the entity tagger's hot loop and MinHash's loops; all
else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(f"workers.pipeline.{name}", [f"workers/pipeline/{name}.pyx"])
        for name in ("crf", "minhash")
    ]
)
