"""Shared fixtures: package-shipped photos and one engine per test session."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    import matplotlib.cbook as cbook

    from pipelines.imageio import load_image

    return load_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


@pytest.fixture(scope="session")
def empty_weights(tmp_path_factory) -> Path:
    """A weights folder with nothing downloaded: what a fresh clone has."""
    return tmp_path_factory.mktemp("weights")


@pytest.fixture(scope="session")
def analyzer(empty_weights):
    from pipelines.analysis import PersonAnalyzer

    return PersonAnalyzer(empty_weights)


@pytest.fixture(scope="session")
def engine(empty_weights):
    from pipelines.tryon import TryOnEngine

    return TryOnEngine(empty_weights)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app(engine):
    """The studio served on a free loopback port with the session's engine; closed after the module."""
    from studio.app import launch

    saved = os.environ.get("GRADIO_TEMP_DIR")
    demo = launch(port=free_port(), engine=engine, block=False)
    yield demo
    demo.close()
    if saved is None:
        os.environ.pop("GRADIO_TEMP_DIR", None)
    else:
        os.environ["GRADIO_TEMP_DIR"] = saved
