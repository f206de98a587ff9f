"""The command line: ``analyze``, ``tryon``, ``download``, ``bench``; no command starts the studio.

Every user mistake ends in one line on stderr and exit code 2; nothing heavy is imported
before the chosen command needs it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipelines.errors import InputError
from pipelines.paths import weights_dir

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="launch.py",
        description="Virtual try-on studio. With no command, starts the studio in your browser.",
    )
    parser.add_argument("--weights-dir", type=Path, default=None, help="model files (default: weights/ or $TRYON_WEIGHTS_DIR)")
    studio = parser.add_argument_group("studio (no command)")
    studio.add_argument("--host", default="127.0.0.1", help="interface to serve on (default 127.0.0.1; 0.0.0.0 = every interface)")
    studio.add_argument("--port", type=int, default=7860, help="port to serve on (default 7860)")
    studio.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    studio.add_argument("--examples", type=Path, default=None, metavar="DIR",
                        help="your own examples: DIR/person, DIR/upper, DIR/lower, DIR/dress, DIR/outer")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("analyze", help="pose, person mask, parsing and per-slot agnostic maps of a person photo")
    p.add_argument("--person", required=True, type=Path, help="person photo (JPEG, PNG, WebP)")
    p.add_argument("--out", required=True, type=Path, help="folder for the PNGs and pose.json")
    p.add_argument("--heatmaps", action="store_true", help="also write the 18-channel keypoint heatmaps (heatmaps.npy)")

    p = sub.add_parser("download", help="fetch model weights into weights/ (the only command that uses the network)")
    p.add_argument("name", choices=["catvton", "rembg"], help="catvton: diffusion backend; rembg: parsing and cut-out models")

    p = sub.add_parser("bench", help="print speed tables (no download needed)")
    p.add_argument("what", choices=["analyze", "tryon", "unet"], help="analyze/tryon: CPU pipeline; unet: fp32 vs bf16 step")
    p.add_argument("--runs", type=int, default=5, help="timed runs per case (unet: steps per precision)")
    p.add_argument("--emulated-bf16", action="store_true",
                   help="unet: also time bf16 on a CPU without bf16 units (very slow: emulated)")

    p = sub.add_parser("tryon", help="dress a person photo in one or more garments")
    p.add_argument("--person", required=True, type=Path)
    for slot in ("upper", "lower", "dress", "outer"):
        p.add_argument(f"--{slot}", type=Path, help=f"{slot} garment photo")
    p.add_argument("--layout", default="", help='e.g. "rolled sleeves, tucked in, open jacket"')
    p.add_argument("--backend", default="warp", help="warp (default, no download) or catvton")
    p.add_argument("--out", required=True, type=Path, help="result PNG")
    p.add_argument("--debug-dir", type=Path, help="write per-pass masks, warped garments and plan.json here")
    p.add_argument("--weights", default="mix", choices=["mix", "vitonhd", "dresscode"], help="CatVTON weights variant")
    p.add_argument("--steps", type=int, default=50, help="denoising steps (diffusion backends)")
    p.add_argument("--guidance", type=float, default=2.5, help="classifier-free guidance (diffusion backends)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--scheduler", default="ddim", choices=["ddim", "dpmpp"])
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "fp16", "bf16"])
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.weights_dir is None:
        args.weights_dir = weights_dir()
    commands = {"analyze": cmd_analyze, "tryon": cmd_tryon, "download": cmd_download, "bench": cmd_bench}
    try:
        if args.command is None:
            return cmd_studio(args)
        return commands[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def cmd_analyze(args: argparse.Namespace) -> int:
    import numpy as np

    from pipelines.analysis import PersonAnalyzer
    from pipelines.analysis.posemap import draw_pose_map, keypoint_heatmaps
    from pipelines.imageio import load_image, save_png
    from pipelines.types import PART_COLOURS, SLOTS

    person = load_image(args.person, "person photo")
    started = time.perf_counter()
    analysis = PersonAnalyzer(args.weights_dir).analyze(person)
    elapsed = time.perf_counter() - started
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    palette = np.zeros((256, 3), np.uint8)
    for part, colour in PART_COLOURS.items():
        palette[int(part)] = colour
    files = {
        "person_mask.png": analysis.person_mask,
        "parsing.png": palette[analysis.parsing],
        "pose_map.png": draw_pose_map(analysis.pose, analysis.size),
    }
    for slot in SLOTS:
        files[f"mask_{slot}.png"] = analysis.regions[slot].mask
        files[f"agnostic_{slot}.png"] = analysis.regions[slot].agnostic
    with ThreadPoolExecutor(max_workers=2) as pool:  # zlib releases the GIL
        list(pool.map(lambda item: save_png(out / item[0], item[1]), files.items()))
    if args.heatmaps:
        np.save(out / "heatmaps.npy", keypoint_heatmaps(analysis.pose, analysis.size))
    report = {
        "image_size": {"width": analysis.size[0], "height": analysis.size[1]},
        "landmarks": [
            {"index": i, "x": float(x), "y": float(y), "visibility": float(v)}
            for i, (x, y, v) in enumerate(analysis.pose.landmarks)
        ],
        "joints": {name: {"x": x, "y": y, "visibility": v} for name, (x, y, v) in analysis.pose.joints().items()},
        "parsing_source": analysis.parsing_source,
        "parsing_legend": {part.name.lower(): {"label": int(part), "colour": list(c)} for part, c in PART_COLOURS.items()},
        "notes": list(analysis.notes),
        "seconds": round(elapsed, 3),
    }
    (out / "pose.json").write_text(json.dumps(report, indent=2))
    for note in analysis.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"analysed {args.person} in {elapsed:.2f} s ({analysis.parsing_source}); wrote {out}")
    return 0


def cmd_tryon(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from pipelines.backends.base import DiffusionOptions
    from pipelines.imageio import load_image, save_png
    from pipelines.layout import parse_layout
    from pipelines.plan import validate_slots

    paths = {slot: getattr(args, slot) for slot in ("upper", "lower", "dress", "outer") if getattr(args, slot)}
    validate_slots(set(paths))
    parse_layout(args.layout)  # refuse a bad phrase before any image work
    if args.steps < 1 or args.steps > 1000:
        raise InputError(f"--steps is {args.steps}; use a number from 1 to 1000.")
    if not 0.0 <= args.guidance <= 20.0:
        raise InputError(f"--guidance is {args.guidance}; use a value from 0 to 20 (2.5 is the reference).")
    from pipelines.tryon import TryOnEngine

    person = load_image(args.person, "person photo")
    garments = {slot: load_image(path, f"{slot} garment photo") for slot, path in paths.items()}
    engine = TryOnEngine(args.weights_dir)
    options = DiffusionOptions(
        steps=args.steps, guidance=args.guidance, seed=args.seed, scheduler=args.scheduler,
        weights=args.weights, device=args.device, precision=args.precision,
    )
    status = engine.status(args.backend)
    if not status.available:
        raise InputError(status.message)
    with tqdm(total=100, desc="try-on", unit="%", leave=False, disable=None) as bar:
        def progress(fraction: float, message: str) -> None:
            bar.set_postfix_str(message[:60])
            bar.update(max(0, round(fraction * 100) - bar.n))

        result = engine.tryon(person, garments, args.layout, args.backend, options, progress=progress)
    save_png(args.out, result.image, text={f"tryon:{k}": v for k, v in result.settings.items()})
    if args.debug_dir:
        write_debug(args.debug_dir, result)
    for note in result.plan.analysis.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {args.out} in {result.timings['total']:.2f} s ({', '.join(result.settings['slots'].split(','))}; "
          f"{result.settings['layout']})")
    return 0


def write_debug(folder: Path, result) -> None:
    from pipelines.imageio import save_png

    folder.mkdir(parents=True, exist_ok=True)
    for step, res in zip(result.plan.passes, result.pass_results, strict=True):
        save_png(folder / f"mask_{step.slot}.png", step.mask)
        for name, image in res.debug.items():
            save_png(folder / f"{name}_{step.slot}.png", image)
    plan = result.plan.describe()
    plan["timings"] = {k: round(v, 4) for k, v in result.timings.items()}
    plan["settings"] = result.settings
    (folder / "plan.json").write_text(json.dumps(plan, indent=2))


def cmd_studio(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise InputError(f"--port is {args.port}; use a port from 1 to 65535.")
    from studio.app import launch

    launch(args.host, args.port, args.share, args.examples, weights=args.weights_dir)
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    from pipelines.weights import LICENCE_NOTE, download

    try:
        files = download(args.name, args.weights_dir)
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"Could not download {args.name} ({reason}); check the network connection or proxy and run the "
            "command again: finished files are kept and the rest resumes."
        ) from None
    print(f"{args.name}: {len(files)} files in {args.weights_dir}")
    if args.name == "catvton":
        print(LICENCE_NOTE)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pipelines import bench

    if args.runs < 1:
        raise InputError(f"--runs is {args.runs}; use 1 or more.")
    if args.what == "unet":
        from pipelines.device import cpu_has_native_bf16

        precisions = bench.PRECISIONS
        if not cpu_has_native_bf16() and not args.emulated_bf16:
            precisions = ("fp32",)
            print("note: this CPU has no bf16 matrix units (AMX / AVX-512 BF16): bf16 would be emulated "
                  "(a step took over 15 minutes on a 2-core AVX2 machine), so only fp32 is timed; "
                  "--emulated-bf16 times it anyway.", file=sys.stderr)
        bench.print_table(bench.bench_unet(steps=args.runs, precisions=precisions), bench.UNET_COLUMNS)
    else:
        rows = bench.bench_pipeline(runs=args.runs)
        wanted = ("analysis",) if args.what == "analyze" else ("analysis", "try-on, 1 garment", "try-on, 3 garments")
        bench.print_table([r for r in rows if r["case"] in wanted], bench.PIPELINE_COLUMNS)
    return 0
