"""Parsing through rembg's u2net_cloth_seg session when its model file is on disk.

The real model cannot be downloaded here, so a one-layer ONNX model with the same input
and output layout stands in for it: it calls a pixel "upper clothes" when it is much redder
than it is blue (the astronaut's orange suit), "background" otherwise.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from pipelines.analysis import PersonAnalyzer
from pipelines.types import Part

SIDE = 768  # u2net_cloth_seg's input size (rembg resizes to 768x768)


def build_cloth_seg_standin(path) -> None:
    # classes: 0 background, 1 upper, 2 lower, 3 full body; inputs are ImageNet-normalised RGB
    weight = np.zeros((4, 3, 1, 1), np.float32)
    weight[1, 0, 0, 0], weight[1, 2, 0, 0] = 4.0, -4.0  # upper: red minus blue
    bias = np.array([3.0, 0.0, -50.0, -50.0], np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["input.1", "w", "b"], ["logits"])],
        "cloth_seg_standin",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, SIDE, SIDE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 4, SIDE, SIDE])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


@pytest.fixture(scope="module")
def analyzer_with_cloth_seg(tmp_path_factory):
    weights = tmp_path_factory.mktemp("weights")
    build_cloth_seg_standin(weights / "rembg" / "u2net_cloth_seg.onnx")
    return PersonAnalyzer(weights)


def test_cloth_seg_session_is_used_when_its_model_is_on_disk(analyzer_with_cloth_seg, astronaut):
    analysis = analyzer_with_cloth_seg.analyze(astronaut)
    assert analysis.parsing_source == "u2net_cloth_seg"
    chest = (analysis.pose.xy("left_shoulder") + analysis.pose.xy("right_shoulder")) / 2 + [0, 80]
    x, y = (int(v) for v in chest)
    box = analysis.parsing[y - 15 : y + 15, x - 15 : x + 15]
    assert (box == int(Part.UPPER_CLOTHES)).mean() > 0.5
    # the body parts still come from pose and skin: the face stays face, hands stay protected
    nose = analysis.pose.xy("nose").astype(int)
    assert analysis.parsing[nose[1], nose[0]] == int(Part.FACE)
    assert not np.any((analysis.part_mask(Part.HANDS) > 0) & (analysis.regions["upper"].mask > 0))
