"""The try-on studio's logic: analysis, garment preparation, outfit planning and backends.

Typical use::

    from pipelines.tryon import TryOnEngine
    from pipelines.imageio import load_image
    engine = TryOnEngine(weights_dir)
    result = engine.tryon(load_image("me.jpg"), {"upper": load_image("shirt.jpg")}, "tucked in")

Nothing here imports gradio, and nothing heavy (torch, mediapipe, rembg) is imported
before the code that needs it runs.
"""
