"""The compiled part of newswire, the entity tagger's hot loop; all else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("workers.pipeline.crf", ["workers/pipeline/crf.pyx"])])
