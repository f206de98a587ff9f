"""Fitting a flat garment onto a posed body: target points, thin-plate splines and limb quads.

Garment landmarks (see :mod:`pipelines.garment`) are mapped to body points from the pose.
A similarity transform (shoulders to shoulders, or waist to waist) carries the garment's
own proportions (neckline shape, length, looseness); the body then pulls the points that
must sit on it: shoulder seams, armpits, waistband, crotch, sleeve and leg openings along
the arm and leg directions. The torso (or the whole lower garment) is warped with a thin-
plate spline; each sleeve is warped as one or two quads following shoulder -> elbow -> wrist.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.analysis.parsing import waist_y
from pipelines.plan import ROLLED_SLEEVE_END
from pipelines.types import Garment, Layout, Pose

# Shoulder seams sit slightly outside and above MediaPipe's shoulder joints (fractions of sw).
SEAM_OUT = 0.10
SEAM_UP = 0.05
# Minimum ease of a top over the body at armpit and hem, as a fraction of shoulder width.
TORSO_EASE = 0.06
HIP_EASE = 0.10
# Where the waistband of trousers and skirts sits, and how wide (relative to hip joints).
WAISTBAND_SPREAD = 1.35
CROTCH_DROP = 0.12
# A sleeve or trouser leg longer than this fraction of the limb is sized to end at the wrist/ankle.
SNAP_TO_END = 0.6
# A dress's waist is about this much wider than the hip joints' distance.
DRESS_WAIST_SPREAD = 1.5  # of the hip -> knee distance below the hip line
# A sleeve reaches at least this far below the armpit, and is at least this wide (fractions of sw).
MIN_SLEEVE_BELOW_ARMPIT = 0.12
MIN_SLEEVE_WIDTH = 0.40
# Below this fraction of the outer edge's length, a sleeve's inner edge counts as absent.
INNER_EDGE_MIN = 0.2  # a little wider than the upper arm (parsing uses 0.36)
# TPS smoothing (in normalised units) and the grid step at which the map is evaluated.
TPS_REGULARISATION = 1e-3
TPS_GRID_STEP = 6


@dataclass(frozen=True, eq=False)
class WarpedPiece:
    rgba: np.ndarray  # full-photo-size RGBA (premultiplied=False), alpha 0..255
    name: str  # "torso", "sleeve_left", ...


def similarity(src: tuple[np.ndarray, np.ndarray], dst: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """2x3 similarity matrix mapping the segment src[0]-src[1] onto dst[0]-dst[1].

    Product shots are upright, so the garment segment is taken as level: only its width
    sets the scale and the body's tilt sets the rotation. (Landmarks of asymmetric garments,
    a one-shoulder or halter dress, would otherwise tip the whole garment over.)
    """
    s0, s1 = (np.asarray(p, np.float64) for p in src)
    d0, d1 = (np.asarray(p, np.float64) for p in dst)
    vs, vd = s1 - s0, d1 - d0
    scale = np.linalg.norm(vd) / max(abs(float(vs[0])), 1e-6)
    angle = np.arctan2(vd[1], vd[0]) - (0.0 if vs[0] >= 0 else np.pi)
    s0 = (s0 + s1) / 2 - np.array([vs[0] / 2, 0.0])  # the level segment through the same centre
    d0 = (d0 + d1) / 2 - vd / 2
    c, s = scale * np.cos(angle), scale * np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    t = d0 - rot @ s0
    return np.hstack([rot, t[:, None]])


def apply(m: np.ndarray, p) -> np.ndarray:
    p = np.asarray(p, np.float64)
    return (m[:, :2] @ p.T).T + m[:, 2] if p.ndim == 2 else m[:, :2] @ p + m[:, 2]


def along_polyline(points: list[np.ndarray], distance: float) -> tuple[np.ndarray, np.ndarray]:
    """The point at ``distance`` along a polyline, and the unit direction there (extrapolates)."""
    for a, b in zip(points[:-1], points[1:], strict=True):
        seg = float(np.linalg.norm(b - a))
        if distance <= seg or b is points[-1]:
            d = (b - a) / max(seg, 1e-6)
            return a + d * distance, d
        distance -= seg
    raise AssertionError("unreachable")


def _outward(side: str, direction: np.ndarray, centre_x: float, at: np.ndarray) -> np.ndarray:
    """The unit normal of ``direction`` pointing away from the body centre line."""
    n = np.array([-direction[1], direction[0]])
    if (at[0] - centre_x) * n[0] < 0:
        n = -n
    return n


# ---------------------------------------------------------------- thin-plate spline


def tps_backward_map(target: np.ndarray, source: np.ndarray, roi: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """cv2.remap maps over ``roi`` (x0, y0, x1, y1) sending target pixels to source pixels."""
    target = np.asarray(target, np.float64)
    source = np.asarray(source, np.float64)
    centre = target.mean(axis=0)
    scale = max(float(np.abs(target - centre).max()), 1.0)
    t = (target - centre) / scale
    n = len(t)
    k = _tps_kernel(t, t)
    p = np.hstack([np.ones((n, 1)), t])
    lhs = np.zeros((n + 3, n + 3))
    lhs[:n, :n] = k + TPS_REGULARISATION * np.eye(n)
    lhs[:n, n:] = p
    lhs[n:, :n] = p.T
    rhs = np.zeros((n + 3, 2))
    rhs[:n] = source
    coef = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
    x0, y0, x1, y1 = roi
    gx = np.arange(x0, x1 + TPS_GRID_STEP, TPS_GRID_STEP, dtype=np.float64)
    gy = np.arange(y0, y1 + TPS_GRID_STEP, TPS_GRID_STEP, dtype=np.float64)
    xx, yy = np.meshgrid(gx, gy)
    grid = (np.stack([xx.ravel(), yy.ravel()], axis=1) - centre) / scale
    vals = _tps_kernel(grid, t) @ coef[:n] + np.hstack([np.ones((len(grid), 1)), grid]) @ coef[n:]
    mx = vals[:, 0].reshape(xx.shape).astype(np.float32)
    my = vals[:, 1].reshape(xx.shape).astype(np.float32)
    size = (x1 - x0, y1 - y0)
    # The grid overshoots the roi by < one step; resize the covered extent, then crop.
    full = ((len(gx) - 1) * TPS_GRID_STEP + 1, (len(gy) - 1) * TPS_GRID_STEP + 1)
    mx = cv2.resize(mx, full, interpolation=cv2.INTER_LINEAR)[: size[1], : size[0]]
    my = cv2.resize(my, full, interpolation=cv2.INTER_LINEAR)[: size[1], : size[0]]
    return mx, my


def _tps_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = r2 * np.log(r2)
    return np.nan_to_num(k)


def warp_tps(rgba: np.ndarray, target: np.ndarray, source: np.ndarray, out_shape: tuple[int, int]) -> np.ndarray:
    h, w = out_shape
    margin = 0.25 * float(np.ptp(target[:, 1]))
    x0 = int(max(0, target[:, 0].min() - margin))
    y0 = int(max(0, target[:, 1].min() - margin))
    x1 = int(min(w, target[:, 0].max() + margin))
    y1 = int(min(h, target[:, 1].max() + margin))
    out = np.zeros((h, w, 4), np.uint8)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return out
    mx, my = tps_backward_map(target, source, (x0, y0, x1, y1))
    out[y0:y1, x0:x1] = cv2.remap(rgba, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def warp_affine(rgba: np.ndarray, source: np.ndarray, target: np.ndarray, out_shape: tuple[int, int]) -> np.ndarray:
    """Warp with the least-squares affine map sending ``source`` points to ``target`` points."""
    ones = np.ones((len(source), 1))
    coef = np.linalg.lstsq(np.hstack([source, ones]), target, rcond=None)[0]  # (3, 2)
    h, w = out_shape
    return cv2.warpAffine(rgba, coef.T.astype(np.float64), (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def half_plane(shape: tuple[int, int], a: np.ndarray, b: np.ndarray, keep_side_of: np.ndarray) -> np.ndarray:
    """Boolean mask of the pixels on the same side of the line a-b as ``keep_side_of``."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    d = b - a
    cross = d[0] * (ys - a[1]) - d[1] * (xs - a[0])
    ref = d[0] * (keep_side_of[1] - a[1]) - d[1] * (keep_side_of[0] - a[0])
    return cross * np.sign(ref) > 0


# ---------------------------------------------------------------- fitting garments


def fit_garment(garment: Garment, pose: Pose, layout: Layout, out_shape: tuple[int, int]) -> list[WarpedPiece]:
    """Warp the garment onto the body; pieces are returned back to front."""
    if garment.style in ("trousers", "skirt"):
        return [WarpedPiece(_fit_lower(garment, pose, out_shape), "lower")]
    return _fit_top(garment, pose, layout, out_shape)


def _lm(garment: Garment, name: str) -> np.ndarray | None:
    p = garment.landmarks.get(name)
    return None if p is None else np.asarray(p, np.float64)


def _seams(pose: Pose) -> dict[str, np.ndarray]:
    sw = pose.shoulder_width
    ls, rs = pose.xy("left_shoulder").astype(np.float64), pose.xy("right_shoulder").astype(np.float64)
    mid = (ls + rs) / 2
    out = {}
    for side, s in (("left", ls), ("right", rs)):
        d = (s - mid) / max(np.linalg.norm(s - mid), 1e-6)
        out[side] = s + d * SEAM_OUT * sw + np.array([0, -SEAM_UP * sw])
    return out


def _fit_top(garment: Garment, pose: Pose, layout: Layout, out_shape: tuple[int, int]) -> list[WarpedPiece]:
    sw = pose.shoulder_width
    seams = _seams(pose)
    g_sl, g_sr = _lm(garment, "shoulder_left"), _lm(garment, "shoulder_right")
    m = similarity((g_sl, g_sr), (seams["left"], seams["right"]))
    if garment.style == "dress" and _lm(garment, "waist_left") is not None:
        # A halter or strappy dress has narrow "shoulders": let the waist share in the scale.
        g_waist = float(np.linalg.norm(_lm(garment, "waist_left") - _lm(garment, "waist_right")))
        body_waist = float(np.linalg.norm(pose.xy("left_hip") - pose.xy("right_hip"))) * DRESS_WAIST_SPREAD
        by_waist = body_waist / max(g_waist, 1.0)
        by_shoulders = float(np.linalg.norm(m[:, 0]))
        m[:, :2] *= 0.5 * (by_waist + by_shoulders) / by_shoulders
        m[:, 2] += (seams["left"] + seams["right"]) / 2 - apply(m, (g_sl + g_sr) / 2)
    centre_x = float((seams["left"][0] + seams["right"][0]) / 2)
    hips = {s: pose.xy(f"{s}_hip").astype(np.float64) for s in ("left", "right")}
    shoulders = {s: pose.xy(f"{s}_shoulder").astype(np.float64) for s in ("left", "right")}
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []

    def pin(name: str, target: np.ndarray) -> None:
        p = _lm(garment, name)
        if p is not None:
            src.append(p)
            dst.append(target)

    def loose(name: str, body_point: np.ndarray, ease: float, side: str) -> np.ndarray:
        """The similarity-mapped point, but never tighter than the body plus ease."""
        p = apply(m, _lm(garment, name))
        sign = 1.0 if (body_point[0] - centre_x) > 0 else -1.0
        x = body_point[0] + sign * ease * sw
        p[0] = x if sign * (x - p[0]) > 0 else p[0]
        return p

    for side in ("left", "right"):
        pin(f"shoulder_{side}", seams[side])
        pin(f"neck_{side}", apply(m, _lm(garment, f"neck_{side}")) if _lm(garment, f"neck_{side}") is not None else seams[side])
        if _lm(garment, f"armpit_{side}") is not None:
            a = apply(m, _lm(garment, f"armpit_{side}"))
            t = np.clip((a[1] - shoulders[side][1]) / max(hips[side][1] - shoulders[side][1], 1.0), 0.15, 0.6)
            body = shoulders[side] + (hips[side] - shoulders[side]) * t
            pin(f"armpit_{side}", loose(f"armpit_{side}", body, TORSO_EASE, side))
        if _lm(garment, f"waist_{side}") is not None:
            wy = waist_y(pose)
            t = (wy - shoulders[side][1]) / max(hips[side][1] - shoulders[side][1], 1.0)
            body = shoulders[side] + (hips[side] - shoulders[side]) * t
            pin(f"waist_{side}", loose(f"waist_{side}", body, TORSO_EASE, side))
        if _lm(garment, f"hem_{side}") is not None:
            h = apply(m, _lm(garment, f"hem_{side}"))
            t = (h[1] - shoulders[side][1]) / max(hips[side][1] - shoulders[side][1], 1.0)
            body = shoulders[side] + (hips[side] - shoulders[side]) * min(t, 1.0)
            pin(f"hem_{side}", loose(f"hem_{side}", body, HIP_EASE, side))
    for name in ("neck_centre", "hem_centre", "opening_top", "opening_bottom"):
        if _lm(garment, name) is not None:
            p = apply(m, _lm(garment, name))
            p[0] = centre_x + (p[0] - centre_x) * 0.5  # keep the centre front on the body's centre line
            pin(name, p)
    src_a, dst_a = _with_anchors(np.array(src), np.array(dst), m)
    h, w = out_shape
    rgba = garment.rgba
    sleeve_masks = {side: _sleeve_region(garment, side) for side in ("left", "right")}
    torso = rgba.copy()
    for sm in sleeve_masks.values():
        if sm is not None:
            torso[:, :, 3][sm] = 0
    pieces = [WarpedPiece(warp_tps(torso, dst_a, src_a, out_shape), "torso")]
    for side in ("left", "right"):
        if sleeve_masks[side] is None:
            continue
        sleeve = rgba.copy()
        sleeve[:, :, 3][~sleeve_masks[side]] = 0
        pieces.append(WarpedPiece(_fit_sleeve(sleeve, garment, pose, side, layout, m, dict(zip([tuple(s) for s in src], dst, strict=True)), out_shape), f"sleeve_{side}"))
    return pieces


def _with_anchors(src: np.ndarray, dst: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add far-away points mapped by the similarity so the spline stays calm off the garment."""
    centre = src.mean(axis=0)
    span = max(float(np.ptp(src[:, 0])), float(np.ptp(src[:, 1])), 1.0) * 1.5
    ring = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [0, -1.2], [0, 1.2]], np.float64) * span + centre
    mapped = apply(m, ring)
    # Shift the anchors with the mean residual so they agree with the pinned points.
    shift = (dst - apply(m, src)).mean(axis=0)
    return np.vstack([src, ring]), np.vstack([dst, mapped + shift])


def _sleeve_region(garment: Garment, side: str) -> np.ndarray | None:
    """Garment pixels of the sleeve on ``side`` (None if sleeveless): the wedge at the armpit
    between the shoulder -> armpit line and the armpit -> sleeve-opening line."""
    if garment.sleeves == "none" or _lm(garment, f"sleeve_{side}_outer") is None:
        return None
    s, a = _lm(garment, f"shoulder_{side}"), _lm(garment, f"armpit_{side}")
    outer, inner = _lm(garment, f"sleeve_{side}_outer"), _lm(garment, f"sleeve_{side}_inner")
    tip = (outer + inner) / 2
    shape = garment.rgba.shape[:2]
    beyond_seam = half_plane(shape, s - (a - s) * 2, a + (a - s) * 0.01, tip)
    if float(np.linalg.norm(inner - a)) < 1.0:  # no inner edge: fall back to the seam alone
        return beyond_seam & (garment.alpha > 0)
    above_inner = half_plane(shape, a, inner, outer)
    # ...and not past the opening: when the inner edge is short, the body's side below the
    # armpit would otherwise pass both tests.
    before_opening = half_plane(shape, outer + (outer - inner) * 2, inner - (outer - inner) * 2, s)
    return beyond_seam & above_inner & before_opening & (garment.alpha > 0)


def _fit_sleeve(sleeve_rgba, garment: Garment, pose: Pose, side: str, layout: Layout, m: np.ndarray,
                pinned: dict, out_shape: tuple[int, int]) -> np.ndarray:
    """Warp one sleeve along the arm: the opening sits across the arm, as far down as the
    sleeve's outer edge is long; long sleeves bend at the elbow."""
    sw = pose.shoulder_width
    gs, ga = _lm(garment, f"shoulder_{side}"), _lm(garment, f"armpit_{side}")
    go, gi = _lm(garment, f"sleeve_{side}_outer"), _lm(garment, f"sleeve_{side}_inner")
    ts, ta = pinned[tuple(gs)], pinned.get(tuple(ga), apply(m, ga))
    scale = float(np.linalg.norm(m[:, 0]))
    shoulder = pose.xy(f"{side}_shoulder").astype(np.float64)
    elbow = pose.xy(f"{side}_elbow").astype(np.float64)
    wrist = pose.xy(f"{side}_wrist").astype(np.float64)
    upper_len = float(np.linalg.norm(elbow - shoulder))
    fore_len = float(np.linalg.norm(wrist - elbow))
    arm_dir = (elbow - shoulder) / max(upper_len, 1e-6)
    armpit_depth = float(np.dot(ta - shoulder, arm_dir))
    outer_len = float(np.linalg.norm(go - gs)) * scale
    inner_len = float(np.linalg.norm(gi - ga)) * scale
    depth = max(outer_len, armpit_depth + inner_len, armpit_depth + MIN_SLEEVE_BELOW_ARMPIT * sw)
    arm_len = upper_len + fore_len
    depth = arm_len if depth > SNAP_TO_END * arm_len else depth  # long sleeves end at the wrist
    if layout.sleeves == "rolled":
        depth = min(depth, max(upper_len + ROLLED_SLEEVE_END * fore_len, armpit_depth + MIN_SLEEVE_BELOW_ARMPIT * sw))
    centre_x = float(pose.landmarks[[11, 12], 0].mean())
    width = max(float(np.linalg.norm(go - gi)) * scale, MIN_SLEEVE_WIDTH * sw)
    end, d = along_polyline([shoulder, elbow, wrist], depth)
    n = _outward(side, d, centre_x, end)
    t_out, t_in = end + n * width / 2, end - n * width / 2
    src = [gs, gi, go, (gs + ga) / 2]
    dst = [ts, t_in, t_out, (ts + ta) / 2]
    if float(np.linalg.norm(gi - ga)) > INNER_EDGE_MIN * float(np.linalg.norm(go - gs)):
        # A sleeve with a visible inner seam: pin its root at the armpit too. (When the inner
        # corner sits on the armpit, pinning both to different targets would tear the spline.)
        src.append(ga)
        dst.append(ta)
    if depth > upper_len * 1.1:  # long sleeve: pin the elbow so it bends there
        f = upper_len / depth
        g_mo, g_mi = gs + (go - gs) * f, ga + (gi - ga) * f
        ne = _outward(side, (wrist - shoulder) / max(np.linalg.norm(wrist - shoulder), 1e-6), centre_x, elbow)
        w_elbow = max(0.5 * (float(np.linalg.norm(g_mo - g_mi)) * scale + width), MIN_SLEEVE_WIDTH * 1.2 * sw)
        src += [g_mo, g_mi]
        dst += [elbow + ne * w_elbow / 2, elbow - ne * w_elbow / 2]
    if len(src) <= 5:
        # A short sleeve is close to rigid: a least-squares affine map cannot fold it.
        return warp_affine(sleeve_rgba, np.array(src), np.array(dst), out_shape)
    # A long sleeve bends at the elbow: a spline through the pins (a perspective map would
    # explode past its horizon).
    return warp_tps(sleeve_rgba, np.array(dst), np.array(src), out_shape)


def _fit_lower(garment: Garment, pose: Pose, out_shape: tuple[int, int]) -> np.ndarray:
    sw = pose.shoulder_width
    lh, rh = pose.xy("left_hip").astype(np.float64), pose.xy("right_hip").astype(np.float64)
    hip_c = (lh + rh) / 2
    wy = waist_y(pose)
    band = {s: np.array([hip_c[0] + (h[0] - hip_c[0]) * WAISTBAND_SPREAD, wy]) for s, h in (("left", lh), ("right", rh))}
    gl, gr = _lm(garment, "waist_left"), _lm(garment, "waist_right")
    m = similarity((gl, gr), (band["left"], band["right"]))
    src = [gl, gr]
    dst = [band["left"], band["right"]]
    knees = {s: pose.xy(f"{s}_knee").astype(np.float64) for s in ("left", "right")}
    ankles = {s: pose.xy(f"{s}_ankle").astype(np.float64) for s in ("left", "right")}
    if garment.style == "trousers" and _lm(garment, "crotch") is not None:
        crotch_t = hip_c + np.array([0, CROTCH_DROP * float(np.linalg.norm(knees["left"] - lh))])
        src.append(_lm(garment, "crotch"))
        dst.append(crotch_t)
        for side, hip in (("left", lh), ("right", rh)):
            go, gi = _lm(garment, f"leg_{side}_outer"), _lm(garment, f"leg_{side}_inner")
            if go is None or gi is None:
                continue
            scale = np.linalg.norm(m[:, 0])
            g_top = (_lm(garment, f"waist_{side}") + _lm(garment, "crotch")) / 2
            g_len = float(np.linalg.norm((go + gi) / 2 - g_top)) * scale
            leg_len = float(np.linalg.norm(knees[side] - hip) + np.linalg.norm(ankles[side] - knees[side]))
            # Trousers are bought to fit: a leg within reach of the ankle ends at the ankle.
            length = leg_len if g_len > SNAP_TO_END * leg_len else g_len
            end, d = along_polyline([hip, knees[side], ankles[side]], length)
            n = _outward(side, d, float(hip_c[0]), end)
            width = max(float(np.linalg.norm(go - gi)) * scale, 0.3 * sw)
            src += [go, gi]
            dst += [end + n * width / 2, end - n * width / 2]
            if length > np.linalg.norm(knees[side] - hip) * 1.15:  # knee points keep long legs straight
                f = float(np.linalg.norm(knees[side] - hip)) / length
                gko = _lm(garment, f"waist_{side}") + (go - _lm(garment, f"waist_{side}")) * f
                gki = _lm(garment, "crotch") + (gi - _lm(garment, "crotch")) * f
                kn = _outward(side, (ankles[side] - hip) / max(np.linalg.norm(ankles[side] - hip), 1e-6), float(hip_c[0]), knees[side])
                kw = max(float(np.linalg.norm(gko - gki)) * scale, 0.36 * sw)
                src += [gko, gki]
                dst += [knees[side] + kn * kw / 2, knees[side] - kn * kw / 2]
    else:
        for side, hip in (("left", lh), ("right", rh)):
            g_hem = _lm(garment, f"hem_{side}")
            if g_hem is None:
                continue
            p = apply(m, g_hem)
            sign = 1.0 if hip[0] > hip_c[0] else -1.0
            min_x = hip_c[0] + sign * (abs(hip[0] - hip_c[0]) + 0.12 * sw)
            if sign * (p[0] - min_x) < 0:
                p[0] = min_x
            src.append(g_hem)
            dst.append(p)
    src_a, dst_a = _with_anchors(np.array(src), np.array(dst), m)
    return warp_tps(garment.rgba, dst_a, src_a, out_shape)
