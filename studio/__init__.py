"""The studio: a Gradio UI over :mod:`pipelines`. It only translates between the two.

``studio.app.build_app(engine)`` builds the Blocks; ``studio.app.launch()`` serves them.
Importing this package imports nothing heavy (not even gradio).
"""
